package yamledit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSet(t *testing.T) {
	in := `# Chart
apiVersion: v2
name: hello   # the name
version: 0.0.0-dev
appVersion: "dev"
dependencies:
- name: sub
  version: '0.0.1'
  repository: file://charts/sub
empty:
`
	out, err := Set([]byte(in), "Chart.yaml", map[string]string{
		"version": "1.2.3", "appVersion": "1.2.3", "dependencies[0].version": "1.2.3", "name": "hello", "empty": "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("version: 0.0.0-dev", "version: 1.2.3", `appVersion: "dev"`, `appVersion: "1.2.3"`,
		"version: '0.0.1'", "version: '1.2.3'", "empty:\n", "empty: x\n").Replace(in)
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = Set([]byte(in), "Chart.yaml", map[string]string{"nope.x": "1", "dependencies[3].version": "1", "dependencies": "x"})
	for _, w := range []string{`Chart.yaml: nope.x: no value "nope"`, "Chart.yaml: dependencies[3].version: no item [3]", "Chart.yaml: dependencies: not a single value"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v does not contain %q", err, w)
		}
	}
}

// TestSetLiteral: a toggle turned on is the boolean true, not the string "true" (which a
// chart's schema refuses and eq compares as another type); a quoted value stays a string.
func TestSetLiteral(t *testing.T) {
	in := "a:\n  enabled: false # off\nb: 'x'\n"
	out, err := SetLiteral([]byte(in), "values.yaml", map[string]string{"a.enabled": "true", "b": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a:\n  enabled: true # off\nb: 'true'\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	if out, _ := Set([]byte(in), "values.yaml", map[string]string{"a.enabled": "true"}); !strings.Contains(string(out), `enabled: "true"`) {
		t.Errorf("Set writes a string: %q", out)
	}
}
