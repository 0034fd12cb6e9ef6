package manifest

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Image is a multi-arch OCI image assembled from binaries on a base pinned by digest.
type Image struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos  Pos    `yaml:"-"`
	Name string `yaml:"name"`
	// Base is "scratch", "repo@sha256:…" or "oci-layout:<dir>@sha256:…".
	Base     string   `yaml:"base,omitempty"`
	Binaries []string `yaml:"binaries,omitempty"`
	// BinaryDir is the folder the binaries go to, absolute; default /usr/local/bin.
	BinaryDir  string            `yaml:"binaryDir,omitempty"`
	Files      []Files           `yaml:"files,omitempty"`
	Entrypoint []string          `yaml:"entrypoint,omitempty"`
	Cmd        []string          `yaml:"cmd,omitempty"`
	User       string            `yaml:"user,omitempty"`
	Env        []string          `yaml:"env,omitempty"`
	WorkDir    string            `yaml:"workdir,omitempty"`
	Ports      []string          `yaml:"ports,omitempty"`
	Labels     map[string]string `yaml:"labels,omitempty"`
	Variants   []ImageVariant    `yaml:"variants,omitempty"`
	// Platforms defaults to the manifest's linux architectures.
	Platforms []string `yaml:"platforms,omitempty"`
	// Windows adds Windows entries to the image's index, on Windows bases of their own.
	Windows *WindowsImage `yaml:"windows,omitempty"`
}

// WindowsImage adds Windows entries to an image's index, as Kubernetes-CSI ships nanoserver
// images beside its distroless ones. Every windows/<arch> entry of every base gives one entry
// with the base's os.version, so one index serves several Windows releases (1809, ltsc2022).
// The binaries (name.exe) and files go into one Windows-format layer (Files/…).
type WindowsImage struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos Pos `yaml:"-"`
	// Bases are pinned like an image's base: repo@sha256:… or oci-layout:<dir>@sha256:….
	Bases []string `yaml:"bases"`
	// Platforms are windows/<arch>; default the manifest's (or the first binary's) windows ones.
	Platforms []string `yaml:"platforms,omitempty"`
	// Entrypoint and User replace the image's on Windows, e.g. [/livenessprobe.exe] and
	// ContainerAdministrator. An entrypoint is required when the image has one.
	Entrypoint []string `yaml:"entrypoint,omitempty"`
	User       string   `yaml:"user,omitempty"`
	// Copy takes files from other pinned Windows images, e.g. servercore's netapi32.dll.
	Copy []WindowsCopy `yaml:"copy,omitempty"`
}

// WindowsCopy copies files from pinned Windows images into each Windows entry: for an entry,
// the one image of From whose windows/<arch> entry has the same os.version build (10.0.17763)
// gives the files; none or two is an error.
type WindowsCopy struct {
	From []string `yaml:"from"`
	// Paths are absolute Windows-image paths with forward slashes, e.g.
	// /Windows/System32/netapi32.dll; each goes to the same path in the image.
	Paths []string `yaml:"paths"`
}

// ImageVariant builds the image again on another base, e.g. Istio's debug and distroless.
type ImageVariant struct {
	Name string `yaml:"name"`
	Base string `yaml:"base"`
}

// image checks the image spec x at path ip.
func (v *validator) image(ip string, x *Image) {
	v.imageBase(ip+".base", x.Base)
	if x.BinaryDir != "" && (!path.IsAbs(x.BinaryDir) || path.Clean(x.BinaryDir) != x.BinaryDir) {
		v.errorf(ip+".binaryDir", "%q: want a clean absolute folder, e.g. /ko-app", x.BinaryDir)
	}
	for j, name := range x.Binaries {
		v.binaryRef(fmt.Sprintf("%s.binaries[%d]", ip, j), name)
	}
	v.files(ip, x.Files)
	v.platforms(ip, x.Platforms)
	for j, pl := range x.Platforms {
		if strings.HasPrefix(pl, "linux/") {
			continue
		}
		v.errorf(fmt.Sprintf("%s.platforms[%d]", ip, j), "images are built for linux only, got %q", pl)
	}
	v.unique(ip+".variants", "variant", len(x.Variants), func(k int) string { return x.Variants[k].Name })
	for j, vr := range x.Variants {
		v.imageBase(fmt.Sprintf("%s.variants[%d].base", ip, j), vr.Base)
	}
	if x.Windows != nil {
		v.windows(ip+".windows", x)
	}
}

// windows checks an image's Windows entries.
func (v *validator) windows(p string, x *Image) {
	w := x.Windows
	v.windowsImages(p+".bases", w.Bases, "want at least one pinned Windows base, e.g. mcr.microsoft.com/windows/nanoserver@sha256:…",
		"a Windows entry needs a Windows base")
	v.platforms(p, w.Platforms)
	for i, pl := range w.Platforms {
		if !strings.HasPrefix(pl, "windows/") {
			v.errorf(fmt.Sprintf("%s.platforms[%d]", p, i), "want windows/<arch>, got %q", pl)
		}
	}
	if len(x.Entrypoint) > 0 && len(w.Entrypoint) == 0 {
		v.errorf(p+".entrypoint", "the image has an entrypoint (%s), so its Windows entries need their own (the binaries are name.exe there)", strings.Join(x.Entrypoint, " "))
	}
	if len(x.Variants) > 0 {
		v.errorf(p, "an image with variants cannot have Windows entries")
	}
	for i, c := range w.Copy {
		cp := fmt.Sprintf("%s.copy[%d]", p, i)
		v.windowsImages(cp+".from", c.From, "want at least one pinned Windows image", "want a pinned Windows image")
		if len(c.Paths) == 0 {
			v.errorf(cp+".paths", "want at least one path")
		}
		for j, f := range c.Paths {
			if !path.IsAbs(f) || path.Clean(f) != f || f == "/" || strings.Contains(f, "\\") {
				v.errorf(fmt.Sprintf("%s.paths[%d]", cp, j), "%q: want a clean absolute path with forward slashes, e.g. /Windows/System32/netapi32.dll", f)
			}
		}
	}
}

// windowsImages checks a list of Windows images: at least one (else none is the message), each
// pinned, none scratch (else notScratch).
func (v *validator) windowsImages(p string, refs []string, none, notScratch string) {
	if len(refs) == 0 {
		v.errorf(p, "%s", none)
	}
	for i, ref := range refs {
		if ref == "" || ref == "scratch" {
			v.errorf(fmt.Sprintf("%s[%d]", p, i), "%q: %s", ref, notScratch)
			continue
		}
		v.imageBase(fmt.Sprintf("%s[%d]", p, i), ref)
	}
}

func (v *validator) imageBase(p, base string) {
	if base == "" || base == "scratch" || digestSuffix.MatchString(base) {
		return
	}
	v.errorf(p, "%q is not pinned (want scratch, repo@sha256:… or oci-layout:<dir>@sha256:…)", base)
}

var digestSuffix = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
