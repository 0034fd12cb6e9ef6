package manifest

import (
	"fmt"
)

// Archive is a tar.gz (zip on windows) per platform holding binaries and files.
type Archive struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos  Pos    `yaml:"-"`
	Name string `yaml:"name"`
	// NameTemplate names the file without extension; default "{{.Name}}-{{.Version}}-{{.OS}}-{{.Arch}}".
	NameTemplate string `yaml:"nameTemplate,omitempty"`
	// TopFolder, a template, puts every entry under one folder.
	TopFolder string `yaml:"topFolder,omitempty"`
	// BinDir is the folder binaries go to, under TopFolder; default the top.
	BinDir string `yaml:"binDir,omitempty"`
	// Format is tar.gz or zip; default zip for windows and tar.gz otherwise.
	Format    string   `yaml:"format,omitempty"`
	Binaries  []string `yaml:"binaries,omitempty"`
	Files     []Files  `yaml:"files,omitempty"`
	Platforms []string `yaml:"platforms,omitempty"`
}

// archive checks the archive spec x at path ap.
func (v *validator) archive(ap string, x *Archive) {
	v.template(ap+".nameTemplate", x.NameTemplate)
	v.template(ap+".topFolder", x.TopFolder)
	if x.Format != "" && x.Format != "tar.gz" && x.Format != "zip" {
		v.errorf(ap+".format", "unknown format %q (want tar.gz, zip)", x.Format)
	}
	if x.BinDir != "" && !localPath(x.BinDir) {
		v.errorf(ap+".binDir", "%q: want a relative folder", x.BinDir)
	}
	if len(x.Binaries) == 0 && len(x.Files) == 0 {
		v.errorf(ap, "needs binaries or files")
	}
	for j, name := range x.Binaries {
		v.binaryRef(fmt.Sprintf("%s.binaries[%d]", ap, j), name)
	}
	v.files(ap, x.Files)
	v.platforms(ap, x.Platforms)
}
