package release

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// Chart is one packaged Helm chart of a release.
type Chart struct {
	// Path is the .tgz, relative to the release directory.
	Path string
	// SHA256 is the hex digest of the .tgz that the manifest records.
	SHA256 string
	// Name, Version and AppVersion come from the packaged Chart.yaml.
	Name, Version, AppVersion string
	// Metadata is the packaged Chart.yaml, as parsed YAML.
	Metadata map[string]any
	// Files are the chart's files by their path inside the chart (Chart.yaml, values.yaml,
	// templates/deployment.yaml), without the chart's folder.
	Files map[string][]byte
}

const chartFile = "Chart.yaml"

// chartFileLimit bounds what one file of a packaged chart may expand to, and chartLimit the
// whole chart.
const (
	chartFileLimit = 16 << 20
	chartLimit     = 64 << 20
)

// Charts reads every chart the manifest records (kind helm), sorted by path, each checked
// against its recorded SHA-256.
func (d *Dir) Charts() ([]Chart, error) {
	return d.charts.get(func() ([]Chart, error) {
		var out []Chart
		for _, a := range d.Artifacts(manifest.OutputHelm) {
			data, err := d.ReadFile(a.Path)
			if err != nil {
				return nil, err
			}
			if got := sha(data); got != a.SHA256 {
				return nil, fmt.Errorf("%s: sha256 %s, the manifest records %s", a.Path, got, a.SHA256)
			}
			c, err := ReadChart(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a.Path, err)
			}
			c.Path, c.SHA256 = a.Path, a.SHA256
			out = append(out, *c)
		}
		slices.SortFunc(out, func(a, b Chart) int { return strings.Compare(a.Path, b.Path) })
		return out, nil
	})
}

// ReadChart reads a packaged chart (.tgz): every file under its one top folder, and the
// metadata of its Chart.yaml, which must have a name and a version. Files of subcharts (under
// charts/) are kept by their path too.
func ReadChart(tgz []byte) (*Chart, error) {
	c := &Chart{Files: map[string][]byte{}}
	top := ""
	limits := archive.Limits{Entry: chartFileLimit, Total: chartLimit, Entries: 10000}
	err := archive.WalkLimited(bytes.NewReader(tgz), int64(len(tgz)), archive.TarGz, limits, func(e archive.Entry, r io.Reader) error {
		if err := archive.Check(e); err != nil {
			return err
		}
		if !e.Mode.IsRegular() {
			return nil
		}
		dir, rest, ok := strings.Cut(e.Name, "/")
		if !ok || rest == "" {
			return fmt.Errorf("%s is outside the chart's folder", e.Name)
		}
		if top == "" {
			top = dir
		} else if dir != top {
			return fmt.Errorf("%s is outside the chart's folder %s", e.Name, top)
		}
		data, err := archive.ReadAll(r, chartFileLimit)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name, err)
		}
		c.Files[path.Clean(rest)] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	meta, ok := c.Files[chartFile]
	if !ok {
		return nil, errors.New("no " + chartFile)
	}
	if err := yaml.Unmarshal(meta, &c.Metadata); err != nil {
		return nil, fmt.Errorf("%s: %w", chartFile, err)
	}
	c.Name, _ = c.Metadata["name"].(string)
	c.Version, _ = c.Metadata["version"].(string)
	c.AppVersion, _ = c.Metadata["appVersion"].(string)
	if c.Name == "" || c.Version == "" {
		return nil, fmt.Errorf("%s has no name or version", chartFile)
	}
	return c, nil
}
