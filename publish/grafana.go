package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
)

// grafana uploads dashboards as new revisions on grafana.com (or an API shaped like it).
type grafana struct {
	client     *http.Client
	base       string
	dashboards map[string]int
	token      string
}

// Grafana returns the target that uploads each grafana/<name>.json of the release as a new
// revision of dashboard dashboards[name] at baseURL (e.g. "https://grafana.com"), through
// client, authenticated with token. A dashboard whose latest revision has the same JSON is
// skipped; revisions are append-only, so nothing is ever refused.
func Grafana(client *http.Client, baseURL string, dashboards map[string]int, token string) Target {
	return &grafana{client: client, base: strings.TrimSuffix(baseURL, "/"), dashboards: dashboards, token: token}
}

func (g *grafana) Name() string { return "grafana" }

func (g *grafana) Plan(ctx context.Context, d *release.Dir) ([]Action, error) {
	files, err := d.Files()
	if err != nil {
		return nil, err
	}
	var actions []Action
	for _, f := range files {
		name, ok := release.DashboardName(f.Path)
		if !ok {
			continue
		}
		id, ok := g.dashboards[name]
		if !ok {
			return nil, fmt.Errorf("dashboard %s: no grafana.com id given for it", name)
		}
		a := Action{Kind: KindDashboard, Object: fmt.Sprintf("%s/api/dashboards/%d", g.base, id), Digest: f.SHA256, Source: f.Path}
		var revs struct {
			Items []struct {
				Revision int `json:"revision"`
			} `json:"items"`
		}
		if err := g.get(ctx, fmt.Sprintf("/api/dashboards/%d/revisions", id), &revs); err != nil {
			return nil, err
		}
		latest := 0
		for _, it := range revs.Items {
			latest = max(latest, it.Revision)
		}
		a.Op = Push
		a.Detail = fmt.Sprintf("revision %d", latest+1)
		if latest > 0 {
			var have any
			if err := g.get(ctx, fmt.Sprintf("/api/dashboards/%d/revisions/%d/download", id, latest), &have); err != nil {
				return nil, err
			}
			var want any
			data, err := readChecked(d, f.Path, f.SHA256)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(data, &want); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
			if reflect.DeepEqual(have, want) {
				a.Op, a.Detail = Skip, ""
			}
		}
		actions = append(actions, a)
	}
	return actions, nil
}

func (g *grafana) do(ctx context.Context, method, p, contentType string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, g.base+p, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if g.token != "" {
		req.Header.Set("Authorization", "Bearer "+g.token)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, g.base+p, redactError(err, g.token))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %.200s", method, g.base+p, resp.Status, strings.ReplaceAll(string(data), g.token, "[redacted]"))
	}
	return data, nil
}

func (g *grafana) get(ctx context.Context, p string, v any) error {
	data, err := g.do(ctx, http.MethodGet, p, "", nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("GET %s%s: %w", g.base, p, err)
	}
	return nil
}

func (g *grafana) Apply(ctx context.Context, d *release.Dir, push []Action) error {
	for _, a := range push {
		name, _ := release.DashboardName(a.Source)
		data, err := readChecked(d, a.Source, a.Digest)
		if err != nil {
			return err
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("json", name+".json")
		if err != nil {
			return err
		}
		fw.Write(data)
		if err := mw.Close(); err != nil {
			return err
		}
		if _, err := g.do(ctx, http.MethodPost, fmt.Sprintf("/api/dashboards/%d/revisions", g.dashboards[name]), mw.FormDataContentType(), &body); err != nil {
			return err
		}
	}
	return nil
}

// redactError removes secret from err's text (an HTTP client's error can quote a URL).
func redactError(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), secret, "[redacted]"))
}
