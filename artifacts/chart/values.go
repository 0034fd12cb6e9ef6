package chart

import (
	"fmt"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/releasekit/releasekit/digest"
)

// UserValues reads the values a user gives a chart as helm template does: each file of files
// (-f) merged over the ones before it, then each of set (--set a.b=c,d=e) over those. A file is
// read up to digest.MaxFileSize bytes.
func UserValues(files, set []string) (map[string]any, error) {
	out := map[string]any{}
	for _, name := range files {
		data, err := digest.ReadFile(name)
		if err != nil {
			return nil, err
		}
		vals, err := chartutil.ReadValues(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = mergeValues(out, vals)
	}
	for _, s := range set {
		if err := strvals.ParseInto(s, out); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
	}
	return out, nil
}

// mergeValues merges src over dst, maps key by key, as helm merges values files.
func mergeValues(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = mergeValues(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}
