package validate

import (
	"context"
	"errors"
	"fmt"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	ocivalidate "github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// Images checks the OCI image layout: it validates (every blob present with its digest and
// size), every image and variant the manifest declares is in it under its reference, with the
// digest the manifest records, for every platform it is built for, and each platform's config
// carries the release version and the source revision as OCI labels.
type Images struct{}

// Name is "images".
func (Images) Name() string { return "images" }

// Check implements [Checker].
func (Images) Check(_ context.Context, d *release.Dir) error {
	m := d.Manifest
	if !m.Wants(manifest.OutputDocker) || len(m.Build.Images) == 0 {
		return skip("the manifest asks for no images")
	}
	l, err := d.Layout()
	if err != nil {
		return err
	}
	recorded := map[string]string{}
	for _, a := range d.Artifacts(manifest.OutputDocker) {
		recorded[a.Image] = a.Digest
	}
	var errs []error
	for i := range m.Build.Images {
		spec := &m.Build.Images[i]
		rev := ""
		if dep := m.Dependencies[m.ImageDependency(spec)]; dep != nil {
			rev = dep.Sha
		}
		for _, v := range spec.VariantNames() {
			ref := release.ImageRef(m, spec, v)
			img, ok := l.Lookup(ref)
			if !ok {
				errs = append(errs, fmt.Errorf("%s is not in the image layout", ref))
				continue
			}
			switch r := recorded[ref]; {
			case r == "":
				errs = append(errs, fmt.Errorf("%s is not recorded in the manifest", ref))
			case r != img.Digest().String():
				errs = append(errs, fmt.Errorf("%s: the layout has %s, the manifest records %s", ref, img.Digest(), r))
			}
			for _, err := range checkImage(img, m.ImagePlatforms(spec), m.WindowsPlatforms(spec), m.Version, rev) {
				errs = append(errs, fmt.Errorf("%s: %w", ref, err))
			}
		}
	}
	return errors.Join(errs...)
}

// checkImage checks one image index: it validates, and has an image with the labels for every
// platform, and for every windows platform at least one Windows entry, each with the
// os.version of its config.
func checkImage(img release.Image, platforms, windows []string, version, rev string) []error {
	ii := img.Index
	if ii == nil {
		return []error{fmt.Errorf("a single image, not a multi-platform index")}
	}
	if err := ocivalidate.Index(ii); err != nil {
		return []error{fmt.Errorf("invalid: %w", err)}
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, pl := range platforms {
		goos, goarch, variant, _ := manifest.ParsePlatform(pl)
		want := v1.Platform{OS: goos, Architecture: goarch, Variant: variant}
		i := slices.IndexFunc(im.Manifests, func(x v1.Descriptor) bool { return x.Platform != nil && x.Platform.Satisfies(want) })
		if i < 0 {
			errs = append(errs, fmt.Errorf("no image for %s", pl))
			continue
		}
		errs = append(errs, checkEntry(ii, im.Manifests[i], pl, version, rev)...)
	}
	for _, pl := range windows {
		goos, goarch, variant, _ := manifest.ParsePlatform(pl)
		n := 0
		for _, x := range im.Manifests {
			if x.Platform == nil || x.Platform.OS != goos || x.Platform.Architecture != goarch || x.Platform.Variant != variant {
				continue
			}
			n++
			errs = append(errs, checkEntry(ii, x, fmt.Sprintf("%s os.version %s", pl, x.Platform.OSVersion), version, rev)...)
		}
		if n == 0 {
			errs = append(errs, fmt.Errorf("no Windows entry for %s", pl))
		}
	}
	return errs
}

// checkEntry checks the image of one index entry (at names it): its config's platform is the
// entry's, os.version included, and it has the release's labels.
func checkEntry(ii v1.ImageIndex, d v1.Descriptor, at, version, rev string) []error {
	img, err := ii.Image(d.Digest)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", at, err)}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return []error{fmt.Errorf("%s: %w", at, err)}
	}
	var errs []error
	if cf.OS != d.Platform.OS || cf.Architecture != d.Platform.Architecture {
		errs = append(errs, fmt.Errorf("%s: the config says %s/%s", at, cf.OS, cf.Architecture))
	}
	if d.Platform.OS == "windows" && (d.Platform.OSVersion == "" || cf.OSVersion != d.Platform.OSVersion) {
		errs = append(errs, fmt.Errorf("%s: the config's os.version is %q", at, cf.OSVersion))
	}
	return append(errs, checkLabels(at, cf, version, rev)...)
}

func checkLabels(at string, cf *v1.ConfigFile, version, rev string) []error {
	var errs []error
	labels := cf.Config.Labels
	if labels[release.LabelVersion] != version {
		errs = append(errs, fmt.Errorf("%s: label %s is %q, want %q", at, release.LabelVersion, labels[release.LabelVersion], version))
	}
	if rev != "" && labels[release.LabelRevision] != rev {
		errs = append(errs, fmt.Errorf("%s: label %s is %q, want %q", at, release.LabelRevision, labels[release.LabelRevision], rev))
	}
	return errs
}
