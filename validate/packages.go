package validate

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/blakesmith/ar"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// Packages checks every deb and rpm the manifest asks for: present and recorded, with the
// package's name, version and architecture, and every declared file at its destination with
// its mode.
type Packages struct{}

// Name is "packages".
func (Packages) Name() string { return "packages" }

// pkgInfo is what a package says about itself.
type pkgInfo struct {
	name, version, arch string
	files               map[string]fs.FileMode // by absolute path
}

// Check implements [Checker].
func (Packages) Check(_ context.Context, d *release.Dir) error {
	m := d.Manifest
	recorded := paths(append(d.Artifacts(manifest.OutputDebian), d.Artifacts(manifest.OutputRpm)...))
	var errs []error
	n := 0
	for i := range m.Build.Packages {
		spec := &m.Build.Packages[i]
		for _, format := range spec.Formats {
			if !m.Wants(release.PackageOutput(format)) {
				continue
			}
			for _, pl := range m.PackagePlatforms(spec) {
				n++
				rel, err := release.PackagePath(m, spec, format, pl)
				if err != nil {
					errs = append(errs, fmt.Errorf("packages[%s]: %w", spec.Name, err))
					continue
				}
				if !recorded[rel] {
					errs = append(errs, fmt.Errorf("%s: package %s for %s is not recorded in the manifest", rel, spec.Name, pl))
				}
				var info *pkgInfo
				if format == "deb" {
					info, err = readDeb(d, rel)
				} else {
					info, err = readRpm(d, rel)
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", rel, missing(err)))
					continue
				}
				for _, err := range checkPackage(spec, format, pl, m.Version, info) {
					errs = append(errs, fmt.Errorf("%s: %w", rel, err))
				}
			}
		}
	}
	if n == 0 {
		return skip("the manifest asks for no packages")
	}
	return errors.Join(errs...)
}

// checkPackage compares a package's metadata and files with its spec.
func checkPackage(spec *manifest.Package, format, platform, version string, info *pkgInfo) []error {
	var errs []error
	_, goarch, variant, _ := manifest.ParsePlatform(platform)
	want := pkgInfo{name: spec.Name, version: packageVersion(version), arch: packageArch(format, goarch, variant)}
	for _, f := range []struct{ field, got, want string }{
		{"name", info.name, want.name},
		{"version", info.version, want.version},
		{"architecture", info.arch, want.arch},
	} {
		if f.got != f.want {
			errs = append(errs, fmt.Errorf("%s %q, want %q", f.field, f.got, f.want))
		}
	}
	for _, c := range spec.Contents {
		mode, ok := info.files[path.Clean("/"+c.Dst)]
		if !ok {
			errs = append(errs, fmt.Errorf("%s is missing", c.Dst))
			continue
		}
		wantMode := fs.FileMode(0o644)
		if c.Binary != "" {
			wantMode = 0o755
		}
		if c.Mode != "" {
			if v, err := strconv.ParseUint(c.Mode, 8, 32); err == nil {
				wantMode = fs.FileMode(v)
			}
		}
		if mode.Perm() != wantMode {
			errs = append(errs, fmt.Errorf("%s has mode %04o, want %04o", c.Dst, mode.Perm(), wantMode))
		}
	}
	return errs
}

// packageVersion is a release version as packages write it: a pre-release sorts before its
// release, so 1.2.0-rc.1 becomes 1.2.0~rc.1.
func packageVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if core, pre, ok := strings.Cut(v, "-"); ok {
		return core + "~" + pre
	}
	return v
}

// packageArch is the architecture name deb and rpm use for a Go architecture.
func packageArch(format, goarch, variant string) string {
	deb := map[string]string{"386": "i386", "arm": "armhf", "ppc64le": "ppc64el", "mipsle": "mipsel", "mips64le": "mips64el"}
	rpm := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i386", "arm": "armv7hl"}
	if goarch == "arm" && variant != "" && variant != "7" && variant != "v7" {
		deb["arm"], rpm["arm"] = "armel", "armv"+strings.TrimPrefix(variant, "v")+"hl"
	}
	names := deb
	if format == "rpm" {
		names = rpm
	}
	if a, ok := names[goarch]; ok {
		return a
	}
	return goarch
}

// walkDeb calls fn for every entry of a deb's control or data archive (member "control" or
// "data"), gzip-compressed or not.
func walkDeb(d *release.Dir, rel string, fn func(member string, h *tar.Header, r io.Reader) error) error {
	f, err := d.Open(rel)
	if err != nil {
		return err
	}
	defer f.Close()
	return walkDebReader(f, fn)
}

// nextMember is rd.Next with the panics of its header parser (a size or mode field that is no
// number slices out of range) turned into errors: a hostile deb is a problem, not a crash.
func nextMember(rd *ar.Reader) (h *ar.Header, err error) {
	defer func() {
		if p := recover(); p != nil {
			h, err = nil, fmt.Errorf("malformed ar member header (%v)", p)
		}
	}()
	return rd.Next()
}

// walkDebReader is walkDeb over the deb read from f, within archive.DefaultLimits.
func walkDebReader(f io.Reader, fn func(member string, h *tar.Header, r io.Reader) error) error {
	limits := archive.DefaultLimits
	entries := 0
	rd := ar.NewReader(bufio.NewReader(f))
	for {
		h, err := nextMember(rd)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not a deb: %w", err)
		}
		if h.Size < 0 {
			// The ar reader would slice with it, and panic, on the member's first read.
			return fmt.Errorf("not a deb: member %q has a negative size", h.Name)
		}
		name := strings.TrimSuffix(h.Name, "/")
		member, ext, _ := strings.Cut(name, ".tar")
		if member != "control" && member != "data" {
			continue
		}
		var r io.Reader = rd
		switch ext {
		case ".gz":
			gz, err := gzip.NewReader(rd)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			r = gz
		case "":
		default:
			return fmt.Errorf("%s: compression %s is not supported", name, ext)
		}
		tr := tar.NewReader(r)
		for {
			th, err := tr.Next()
			if errors.Is(err, io.EOF) {
				// Read to the end, so that gzip checks its checksum.
				if _, err := io.Copy(io.Discard, r); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if entries++; entries > limits.Entries || th.Size > limits.Entry {
				return fmt.Errorf("%s: more than %d entries, or an entry over %d bytes: %w", name, limits.Entries, limits.Entry, archive.ErrLimit)
			}
			if err := fn(member, th, tr); err != nil {
				return err
			}
		}
	}
}

// debPath is a deb entry's absolute path: ./usr/bin/x → /usr/bin/x.
func debPath(name string) string { return path.Clean("/" + strings.TrimPrefix(name, "./")) }

// readDeb reads a deb's control fields and file list.
func readDeb(d *release.Dir, rel string) (*pkgInfo, error) {
	f, err := d.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readDebFrom(f)
}

// readDebFrom reads a deb's control fields and file list from r.
func readDebFrom(r io.Reader) (*pkgInfo, error) {
	info := &pkgInfo{files: map[string]fs.FileMode{}}
	var control []byte
	err := walkDebReader(r, func(member string, h *tar.Header, r io.Reader) error {
		switch {
		case member == "control" && debPath(h.Name) == "/control":
			var err error
			control, err = archive.ReadAll(r, 1<<20)
			return err
		case member == "data" && h.Typeflag != tar.TypeDir:
			info.files[debPath(h.Name)] = h.FileInfo().Mode()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if control == nil {
		return nil, errors.New("no control file")
	}
	for _, line := range strings.Split(string(control), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			info.name = v
		case "Version":
			info.version = v
		case "Architecture":
			info.arch = v
		}
	}
	return info, nil
}

// copyDebFile copies a file of a deb's data, by absolute path, to w.
func copyDebFile(d *release.Dir, rel, name string, w io.Writer) error {
	found := false
	err := walkDeb(d, rel, func(member string, h *tar.Header, r io.Reader) error {
		if member != "data" || debPath(h.Name) != path.Clean("/"+name) || found {
			return nil
		}
		found = true
		_, err := io.Copy(w, r)
		return err
	})
	if err == nil && !found {
		err = fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return err
}

// rpmHeaderLimit bounds an rpm header's data store, and rpmValueLimit the strings and numbers
// read from it: a million files is more than any package holds.
const (
	rpmHeaderLimit = 32 << 20
	rpmValueLimit  = 4 << 20
)

// rpmTags are the tags decoded; every other is skipped unread.
var rpmTags = map[int32]bool{rpmName: true, rpmVersion: true, rpmRelease: true, rpmArch: true, rpmFileModes: true,
	rpmDirIndexes: true, rpmBaseNames: true, rpmDirNames: true}

// The RPM header tags read here (rpm's lib/rpmtag.h).
const (
	rpmName       = 1000
	rpmVersion    = 1001
	rpmRelease    = 1002
	rpmArch       = 1022
	rpmFileModes  = 1030
	rpmDirIndexes = 1116
	rpmBaseNames  = 1117
	rpmDirNames   = 1118
)

// rpmHeader is a header structure's tags: strings and string arrays as []string, integers as
// []int64.
type rpmHeader struct {
	strs map[int32][]string
	ints map[int32][]int64
}

// readRpmHeader reads one header structure: magic, index entries and the data store.
func readRpmHeader(r io.Reader) (*rpmHeader, int, error) {
	var intro struct {
		Magic    [3]byte
		Version  byte
		Reserved [4]byte
		Count    uint32
		Size     uint32
	}
	if err := binary.Read(r, binary.BigEndian, &intro); err != nil {
		return nil, 0, err
	}
	if intro.Magic != [3]byte{0x8e, 0xad, 0xe8} || intro.Count > 1<<16 || intro.Size > rpmHeaderLimit {
		return nil, 0, fmt.Errorf("bad header magic, or more than %d entries or %d bytes", 1<<16, rpmHeaderLimit)
	}
	entries := make([]struct {
		Tag    int32
		Type   uint32
		Offset int32
		Count  uint32
	}, intro.Count)
	if err := binary.Read(r, binary.BigEndian, entries); err != nil {
		return nil, 0, err
	}
	store := make([]byte, intro.Size)
	if _, err := io.ReadFull(r, store); err != nil {
		return nil, 0, err
	}
	h := &rpmHeader{strs: map[int32][]string{}, ints: map[int32][]int64{}}
	values := 0 // decoded, in all: a hostile header points many tags at one large store
	for _, e := range entries {
		if !rpmTags[e.Tag] {
			continue
		}
		if _, seen := h.strs[e.Tag]; seen {
			return nil, 0, fmt.Errorf("tag %d: twice", e.Tag)
		}
		if _, seen := h.ints[e.Tag]; seen {
			return nil, 0, fmt.Errorf("tag %d: twice", e.Tag)
		}
		if values += int(e.Count); values > rpmValueLimit {
			return nil, 0, fmt.Errorf("more than %d values in the tags read", rpmValueLimit)
		}
		if e.Offset < 0 || int(e.Offset) > len(store) {
			return nil, 0, fmt.Errorf("tag %d: offset out of range", e.Tag)
		}
		data := store[e.Offset:]
		switch e.Type {
		case 6, 8, 9: // string, string array, i18n string
			n := int(e.Count)
			if e.Type == 6 {
				n = 1
			}
			for range n {
				s, rest, ok := bytes.Cut(data, []byte{0})
				if !ok {
					return nil, 0, fmt.Errorf("tag %d: unterminated string", e.Tag)
				}
				h.strs[e.Tag] = append(h.strs[e.Tag], string(s))
				data = rest
			}
		case 3, 4: // int16, int32
			size := 2 * int(e.Type-2)
			if int(e.Count)*size > len(data) {
				return nil, 0, fmt.Errorf("tag %d: data out of range", e.Tag)
			}
			for i := range int(e.Count) {
				if size == 2 {
					h.ints[e.Tag] = append(h.ints[e.Tag], int64(binary.BigEndian.Uint16(data[2*i:])))
				} else {
					h.ints[e.Tag] = append(h.ints[e.Tag], int64(binary.BigEndian.Uint32(data[4*i:])))
				}
			}
		}
	}
	return h, 16 + 16*int(intro.Count) + int(intro.Size), nil
}

// readRpm reads an rpm's name, version, architecture and file list from its header, without
// unpacking its payload.
func readRpm(d *release.Dir, rel string) (*pkgInfo, error) {
	f, err := d.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readRpmFrom(f)
}

// readRpmFrom reads an rpm's name, version, architecture and file list from its headers in f.
func readRpmFrom(f io.Reader) (*pkgInfo, error) {
	r := bufio.NewReader(f)
	lead := make([]byte, 96)
	if _, err := io.ReadFull(r, lead); err != nil || !bytes.HasPrefix(lead, []byte{0xed, 0xab, 0xee, 0xdb}) {
		return nil, errors.New("not an rpm: no lead")
	}
	_, n, err := readRpmHeader(r)
	if err != nil {
		return nil, fmt.Errorf("rpm signature: %w", err)
	}
	if pad := (8 - n%8) % 8; pad > 0 {
		if _, err := r.Discard(pad); err != nil {
			return nil, err
		}
	}
	h, _, err := readRpmHeader(r)
	if err != nil {
		return nil, fmt.Errorf("rpm header: %w", err)
	}
	first := func(tag int32) string {
		if v := h.strs[tag]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	info := &pkgInfo{name: first(rpmName), version: first(rpmVersion), arch: first(rpmArch), files: map[string]fs.FileMode{}}
	base, dirs, idx, modes := h.strs[rpmBaseNames], h.strs[rpmDirNames], h.ints[rpmDirIndexes], h.ints[rpmFileModes]
	for i, b := range base {
		if i >= len(idx) || int(idx[i]) >= len(dirs) {
			return nil, errors.New("rpm header: bad file list")
		}
		var mode fs.FileMode
		if i < len(modes) {
			if modes[i]&0o170000 == 0o040000 {
				continue // a folder
			}
			mode = fs.FileMode(modes[i] & 0o777)
		}
		info.files[path.Clean(dirs[idx[i]]+b)] = mode
	}
	return info, nil
}
