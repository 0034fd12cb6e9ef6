package pkg

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers deb
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers rpm

	"github.com/releasekit/releasekit/artifacts"
)

// Packager writes packages with nfpm.
type Packager struct{}

// New returns a Packager.
func New() *Packager { return &Packager{} }

// Package writes p to w.
func (*Packager) Package(ctx context.Context, p *artifacts.PackageSpec, w io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	packager, err := nfpm.Get(p.Format)
	if err != nil {
		return err
	}
	info := Info(p)
	if err := nfpm.PrepareForPackager(info, p.Format); err != nil {
		return fmt.Errorf("%s %s: %w", p.Format, p.Name, err)
	}
	return packager.Package(info, w)
}

// Info returns the nfpm description of p.
func Info(p *artifacts.PackageSpec) *nfpm.Info {
	arch := p.Arch
	if arch == "arm" && p.Variant != "" {
		arch = "arm" + p.Variant[1:] // nfpm's armv6/armv7 names are arm6, arm7
	}
	info := &nfpm.Info{
		Name:        p.Name,
		Arch:        arch,
		Platform:    "linux",
		Version:     p.Version,
		Maintainer:  p.Maintainer,
		Description: p.Description,
		Homepage:    p.Homepage,
		License:     p.License,
		Section:     cmp.Or(p.Section, "default"),
		Priority:    "optional",
		MTime:       p.Time,
		Overridables: nfpm.Overridables{
			Depends: p.Depends,
			Umask:   0o022,
			RPM:     nfpm.RPM{BuildHost: "releasekit"},
		},
	}
	for _, f := range p.Files {
		typ := files.TypeFile
		if f.Config {
			typ = files.TypeConfig
		}
		info.Contents = append(info.Contents, &files.Content{
			Source:      f.Src,
			Destination: f.Dst,
			Type:        typ,
			FileInfo:    &files.ContentFileInfo{Owner: "root", Group: "root", Mode: f.Mode, MTime: p.Time},
		})
	}
	sort.Slice(info.Contents, func(i, j int) bool { return info.Contents[i].Destination < info.Contents[j].Destination })
	s := &info.Scripts
	for name, field := range map[string]*string{
		"preinstall": &s.PreInstall, "postinstall": &s.PostInstall, "preremove": &s.PreRemove, "postremove": &s.PostRemove,
	} {
		*field = p.Scripts[name]
	}
	return nfpm.WithDefaults(info)
}
