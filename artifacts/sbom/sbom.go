package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// Document is an SPDX 2.3 document.
type Document = spdx.Document

// Module is a Go module in a binary.
type Module struct {
	Path, Version string
	// Sum is its go.sum hash ("h1:…"); empty for the main module.
	Sum string
}

// Binary is one Go binary for one platform, as its build information describes it.
type Binary struct {
	// Name is the binary's file name (hello, hello.exe) and Platform its os/arch.
	Name, Platform string
	// SHA256 is the hex digest of the binary.
	SHA256    string
	GoVersion string
	Main      Module
	Deps      []Module
	// Settings are the build settings ("-trimpath=true", "GOARCH=arm64"), in the binary's order.
	Settings []string
}

// FromBuildInfo describes a binary from its embedded build information.
func FromBuildInfo(name, platform, sha string, bi *debug.BuildInfo) Binary {
	b := Binary{Name: name, Platform: platform, SHA256: sha, GoVersion: bi.GoVersion,
		Main: Module{Path: bi.Main.Path, Version: bi.Main.Version, Sum: bi.Main.Sum}}
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		b.Deps = append(b.Deps, Module{Path: d.Path, Version: d.Version, Sum: d.Sum})
	}
	for _, s := range bi.Settings {
		b.Settings = append(b.Settings, s.Key+"="+s.Value)
	}
	return b
}

// File is a file added to an image.
type File struct {
	Path, SHA256 string
}

// Image is an image index: its binaries and files on a base.
type Image struct {
	// Ref is the image's reference (registry/name:tag) and Digest its index digest.
	Ref, Digest string
	// Base is the base image's reference pinned by digest (name@sha256:…); empty for scratch.
	Base string
	// Bases are the bases of its other entries, e.g. Windows ones, pinned the same way.
	Bases    []string
	Binaries []Binary
	Files    []File
}

// Source is one source repository of a release.
type Source struct {
	Name string
	// URL is where it comes from, without credentials; empty for a local one.
	URL string
	SHA string
}

// Tool is the creator every document names.
const Tool = "releasekit"

// ForBinary describes a binary: its main module, every dependency with its go.sum hash, and
// the Go standard library of its toolchain.
func ForBinary(b Binary, created time.Time) *spdx.Document {
	d := newDoc(b.Name+"-"+strings.ReplaceAll(b.Platform, "/", "-"), created)
	id := d.add(binaryPackage(b))
	d.describe(id)
	d.modules(id, b)
	return d.doc
}

// ForImage describes an image: itself, its base by digest, its binaries and their modules,
// and the files added.
func ForImage(im Image, created time.Time) *spdx.Document {
	name, _, _ := strings.Cut(im.Ref, "@")
	d := newDoc("image-"+name, created)
	id := d.add(&spdx.Package{PackageName: name, PackageVersion: im.Digest, PackageDownloadLocation: "NOASSERTION",
		PrimaryPackagePurpose: "CONTAINER", PackageExternalReferences: []*spdx.PackageExternalReference{purl(ociPURL(name, im.Digest))}})
	d.describe(id)
	for _, b := range slices.Concat([]string{im.Base}, im.Bases) {
		if b == "" {
			continue
		}
		repo, dig, _ := strings.Cut(b, "@")
		base := d.add(&spdx.Package{PackageName: repo, PackageVersion: dig, PackageDownloadLocation: "NOASSERTION",
			PrimaryPackagePurpose: "CONTAINER", PackageExternalReferences: []*spdx.PackageExternalReference{purl(ociPURL(repo, dig))}})
		d.relate(id, "DESCENDANT_OF", base)
	}
	for _, b := range im.Binaries {
		bin := d.add(binaryPackage(b))
		d.relate(id, "CONTAINS", bin)
		d.modules(bin, b)
	}
	for _, f := range slices.SortedFunc(slices.Values(im.Files), func(a, b File) int { return strings.Compare(a.Path, b.Path) }) {
		fid := d.id("File", f.Path)
		d.doc.Files = append(d.doc.Files, &spdx.File{FileName: "/" + strings.TrimPrefix(f.Path, "/"), FileSPDXIdentifier: fid,
			Checksums: []common.Checksum{{Algorithm: common.SHA256, Value: f.SHA256}}, FileCopyrightText: "NOASSERTION",
			LicenseConcluded: "NOASSERTION"})
		d.relate(id, "CONTAINS", fid)
	}
	return d.doc
}

// ForSources describes a release's sources: each repository at its commit.
func ForSources(release, version string, sources []Source, created time.Time) *spdx.Document {
	d := newDoc(release+"-"+version+"-sources", created)
	for _, s := range sources {
		loc := "NOASSERTION"
		if s.URL != "" {
			loc = "git+" + s.URL + "@" + s.SHA
		}
		id := d.add(&spdx.Package{PackageName: s.Name, PackageVersion: s.SHA, PackageDownloadLocation: loc, PrimaryPackagePurpose: "SOURCE"})
		d.describe(id)
	}
	return d.doc
}

// doc builds one document, giving every element a unique SPDX identifier.
type doc struct {
	doc *spdx.Document
	ids map[common.ElementID]bool
}

func newDoc(name string, created time.Time) *doc {
	return &doc{doc: &spdx.Document{
		SPDXVersion: spdx.Version, DataLicense: spdx.DataLicense, SPDXIdentifier: "DOCUMENT", DocumentName: name,
		CreationInfo: &spdx.CreationInfo{Creators: []common.Creator{{Creator: Tool, CreatorType: "Tool"}}, Created: created.UTC().Format(time.RFC3339)},
	}, ids: map[common.ElementID]bool{}}
}

var idChars = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// id returns a new identifier for an element of kind named name: readable, and unique in the
// document.
func (d *doc) id(kind, name string) common.ElementID {
	base := kind + "-" + strings.Trim(idChars.ReplaceAllString(name, "-"), "-")
	id := common.ElementID(base)
	for n := 2; d.ids[id]; n++ {
		id = common.ElementID(fmt.Sprintf("%s-%d", base, n))
	}
	d.ids[id] = true
	return id
}

func (d *doc) add(p *spdx.Package) common.ElementID {
	p.PackageSPDXIdentifier = d.id("Package", p.PackageName+"-"+p.PackageVersion)
	if p.PackageLicenseConcluded == "" {
		p.PackageLicenseConcluded, p.PackageLicenseDeclared, p.PackageCopyrightText = "NOASSERTION", "NOASSERTION", "NOASSERTION"
	}
	d.doc.Packages = append(d.doc.Packages, p)
	return p.PackageSPDXIdentifier
}

func (d *doc) relate(a common.ElementID, rel string, b common.ElementID) {
	d.doc.Relationships = append(d.doc.Relationships, &spdx.Relationship{
		RefA: common.MakeDocElementID("", string(a)), RefB: common.MakeDocElementID("", string(b)), Relationship: rel})
}

func (d *doc) describe(id common.ElementID) { d.relate("DOCUMENT", "DESCRIBES", id) }

// modules adds a binary's main module, its dependencies and the standard library.
func (d *doc) modules(bin common.ElementID, b Binary) {
	if b.Main.Path != "" {
		d.relate(bin, "CONTAINS", d.add(modulePackage(b.Main)))
	}
	for _, m := range b.Deps {
		d.relate(bin, "CONTAINS", d.add(modulePackage(m)))
	}
	if b.GoVersion != "" {
		std := &spdx.Package{PackageName: "stdlib", PackageVersion: b.GoVersion, PackageDownloadLocation: "https://go.dev/dl/",
			PrimaryPackagePurpose: "LIBRARY", PackageExternalReferences: []*spdx.PackageExternalReference{purl("pkg:golang/stdlib@" + b.GoVersion)}}
		d.relate(bin, "CONTAINS", d.add(std))
	}
}

func binaryPackage(b Binary) *spdx.Package {
	p := &spdx.Package{PackageName: b.Name, PackageVersion: b.Main.Version, PackageFileName: b.Name, PackageDownloadLocation: "NOASSERTION",
		PrimaryPackagePurpose: "APPLICATION", PackageComment: "platform " + b.Platform}
	if b.SHA256 != "" {
		p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: b.SHA256}}
	}
	if len(b.Settings) > 0 {
		p.PackageComment += "; go " + b.GoVersion + "; build settings: " + strings.Join(b.Settings, " ")
	}
	return p
}

func modulePackage(m Module) *spdx.Package {
	p := &spdx.Package{PackageName: m.Path, PackageVersion: m.Version, PackageDownloadLocation: "NOASSERTION", PrimaryPackagePurpose: "LIBRARY",
		PackageExternalReferences: []*spdx.PackageExternalReference{purl("pkg:golang/" + m.Path + "@" + m.Version)}}
	if h, ok := H1SHA256(m.Sum); ok {
		// go.sum's h1: is a SHA-256 (of the module's file list); SPDX takes it in hex.
		p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: h}}
		p.PackageComment = "go.sum " + m.Sum
	}
	return p
}

// H1SHA256 returns the hex SHA-256 of a go.sum "h1:" hash.
func H1SHA256(sum string) (string, bool) {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != sha256.Size {
		return "", false
	}
	return hex.EncodeToString(raw), true
}

func purl(locator string) *spdx.PackageExternalReference {
	return &spdx.PackageExternalReference{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: locator}
}

// ociPURL is the package URL of an image by digest: pkg:oci/<name>@<digest>?repository_url=<repo>,
// the reference's tag dropped.
func ociPURL(ref, digest string) string {
	repo := ref
	slash := strings.LastIndexByte(repo, '/')
	if colon := strings.IndexByte(repo[slash+1:], ':'); colon >= 0 {
		repo = repo[:slash+1+colon]
	}
	return "pkg:oci/" + repo[slash+1:] + "@" + strings.ReplaceAll(digest, ":", "%3A") + "?repository_url=" + repo
}

// Marshal writes the document as indented JSON. The document namespace is derived from the
// content (a name-based UUID of its SHA-256), so the same inputs give the same bytes and other
// inputs another namespace, with no clock or random number.
func Marshal(d *spdx.Document) ([]byte, error) {
	d.DocumentNamespace = ""
	body, err := encode(d)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	sum[6] = sum[6]&0x0f | 0x50 // a version-5-style UUID from the hash
	sum[8] = sum[8]&0x3f | 0x80
	u := hex.EncodeToString(sum[:16])
	d.DocumentNamespace = "urn:uuid:" + u[:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32]
	return encode(d)
}

func encode(d *spdx.Document) ([]byte, error) {
	var b bytes.Buffer
	if err := spdxjson.Write(d, &b, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// MaxSize bounds what Read reads.
const MaxSize = 64 << 20

// Read parses an SPDX JSON document, at most MaxSize bytes.
func Read(r io.Reader) (*spdx.Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("SPDX document larger than %d bytes", MaxSize)
	}
	var d spdx.Document
	if err := spdxjson.ReadInto(bytes.NewReader(data), &d); err != nil {
		return nil, err
	}
	if d.SPDXVersion != spdx.Version {
		return nil, fmt.Errorf("SPDX version %q, want %s", d.SPDXVersion, spdx.Version)
	}
	return &d, nil
}
