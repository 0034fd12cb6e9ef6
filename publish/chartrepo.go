package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"
)

// chartRepo publishes charts to a Helm chart repository kept in a bucket.
type chartRepo struct {
	bucket  Bucket
	prefix  string
	baseURL string
	retries int
}

// ChartRepo returns the target that publishes each chart to a Helm chart repository in bucket:
// the .tgz at <prefix>/<name>-<version>.tgz and its entry merged into <prefix>/index.yaml, with
// URLs under baseURL. The index is written with the bucket's conditional write and merged again
// when another writer got there first; an entry for the same version with another digest is
// refused.
func ChartRepo(bucket Bucket, prefix, baseURL string) (Target, error) {
	if bucket == nil {
		return nil, errors.New("chart-repo: nil bucket")
	}
	return &chartRepo{bucket: bucket, prefix: strings.Trim(prefix, "/"), baseURL: strings.TrimSuffix(baseURL, "/"), retries: 10}, nil
}

func (t *chartRepo) Name() string { return "chart-repo" }

func (t *chartRepo) key(name string) string {
	if t.prefix == "" {
		return name
	}
	return t.prefix + "/" + name
}

func chartFile(c release.Chart) string { return c.Name + "-" + c.Version + ".tgz" }

// repoIndex is a chart repository's index.yaml, as Helm writes it.
type repoIndex struct {
	APIVersion  string                      `yaml:"apiVersion"`
	Entries     map[string][]map[string]any `yaml:"entries"`
	Generated   string                      `yaml:"generated,omitempty"`
	ServerInfo  map[string]any              `yaml:"serverInfo,omitempty"`
	Annotations map[string]string           `yaml:"annotations,omitempty"`
}

// readIndex returns the index and its generation; an empty index when there is none.
func (t *chartRepo) readIndex(ctx context.Context) (*repoIndex, *Condition, error) {
	data, obj, err := t.bucket.Read(ctx, t.key("index.yaml"))
	if errors.Is(err, ErrNotExist) {
		return &repoIndex{APIVersion: "v1", Entries: map[string][]map[string]any{}}, &Condition{}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	idx := &repoIndex{}
	if err := yaml.Unmarshal(data, idx); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", t.bucket.URL(t.key("index.yaml")), err)
	}
	if idx.Entries == nil {
		idx.Entries = map[string][]map[string]any{}
	}
	return idx, &Condition{Generation: obj.Generation}, nil
}

// entry returns the index's digest for the chart's version, "" when absent.
func (idx *repoIndex) digest(name, version string) string {
	for _, e := range idx.Entries[name] {
		if v, _ := e["version"].(string); v == version {
			d, _ := e["digest"].(string)
			return d
		}
	}
	return ""
}

func (t *chartRepo) Plan(ctx context.Context, d *release.Dir) ([]Action, error) {
	idx, _, err := t.readIndex(ctx)
	if err != nil {
		return nil, err
	}
	charts, err := d.Charts()
	if err != nil {
		return nil, err
	}
	var actions []Action
	for _, c := range charts {
		key := t.key(chartFile(c))
		a := Action{Kind: KindFile, Object: t.bucket.URL(key), Digest: c.SHA256, Source: c.Path}
		if a.Op, a.Detail, err = objectOp(ctx, t.bucket, key, c.SHA256, false); err != nil {
			return nil, err
		}
		actions = append(actions, a)

		e := Action{Kind: KindIndex, Object: t.bucket.URL(t.key("index.yaml")) + "#" + c.Name + "@" + c.Version, Digest: c.SHA256, Source: c.Path}
		switch listed := idx.digest(c.Name, c.Version); listed {
		case "":
			e.Op = Push
		case c.SHA256:
			e.Op = Skip
		default:
			e.Op = Refuse
			e.Detail = fmt.Sprintf("lists digest %s, release has %s", listed, c.SHA256)
		}
		actions = append(actions, e)
	}
	return actions, nil
}

func (t *chartRepo) Apply(ctx context.Context, d *release.Dir, push []Action) error {
	charts, err := d.Charts()
	if err != nil {
		return err
	}
	byPath := map[string]release.Chart{}
	for _, c := range charts {
		byPath[c.Path] = c
	}
	var add []release.Chart
	for _, a := range push {
		c := byPath[a.Source]
		switch a.Kind {
		case KindFile:
			data, err := readChecked(d, c.Path, c.SHA256)
			if err != nil {
				return err
			}
			err = t.bucket.Write(ctx, t.key(chartFile(c)), bytes.NewReader(data),
				WriteOptions{ContentType: "application/gzip", SHA256: c.SHA256, Condition: &Condition{}})
			if err != nil && !errors.Is(err, ErrConflict) {
				return fmt.Errorf("write %s: %w", a.Object, err)
			}
		case KindIndex:
			add = append(add, c)
		}
	}
	if len(add) == 0 {
		return nil
	}
	// Read, merge, write if unchanged meanwhile; on a lost race, merge again.
	for attempt := 0; ; attempt++ {
		idx, cond, err := t.readIndex(ctx)
		if err != nil {
			return err
		}
		changed := false
		for _, c := range add {
			switch listed := idx.digest(c.Name, c.Version); listed {
			case c.SHA256:
				continue
			case "":
				idx.Entries[c.Name] = append(idx.Entries[c.Name], t.entry(d, c))
				changed = true
			default:
				return fmt.Errorf("%s: %s %s: %w: lists digest %s", t.key("index.yaml"), c.Name, c.Version, ErrExists, listed)
			}
		}
		if !changed {
			return nil
		}
		idx.sort()
		if g, err := time.Parse(time.RFC3339, idx.Generated); err != nil || d.Time.After(g) {
			idx.Generated = d.Time.Format(time.RFC3339)
		}
		data, err := yaml.Marshal(idx)
		if err != nil {
			return err
		}
		err = t.bucket.Write(ctx, t.key("index.yaml"), bytes.NewReader(data), WriteOptions{ContentType: "application/yaml", Condition: cond})
		if errors.Is(err, ErrConflict) && attempt < t.retries {
			continue
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", t.bucket.URL(t.key("index.yaml")), err)
		}
		return nil
	}
}

// entry is the chart's index entry: its Chart.yaml, with URLs, digest and creation time.
func (t *chartRepo) entry(d *release.Dir, c release.Chart) map[string]any {
	e := maps.Clone(c.Metadata)
	e["urls"] = []string{t.baseURL + "/" + chartFile(c)}
	e["digest"] = c.SHA256
	e["created"] = d.Time.Format(time.RFC3339)
	return e
}

// sort orders each chart's versions newest first, as Helm does.
func (idx *repoIndex) sort() {
	for _, list := range idx.Entries {
		slices.SortStableFunc(list, func(a, b map[string]any) int {
			as, _ := a["version"].(string)
			bs, _ := b["version"].(string)
			av, aerr := semver.NewVersion(as)
			bv, berr := semver.NewVersion(bs)
			if aerr != nil || berr != nil {
				return strings.Compare(bs, as)
			}
			return bv.Compare(av)
		})
	}
}
