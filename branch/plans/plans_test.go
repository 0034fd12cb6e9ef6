package plans_test

import (
	"slices"
	"testing"

	"github.com/releasekit/releasekit/branch/plans"
)

// TestLoad reads every shipped plan by name and refuses names that are not plans, or that
// reach out of the embedded folder.
func TestLoad(t *testing.T) {
	if got := plans.Names(); !slices.Equal(got, []string{"csi", "istio"}) {
		t.Errorf("Names() = %q", got)
	}
	for _, name := range plans.Names() {
		p, err := plans.Load(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(p.Steps) == 0 {
			t.Errorf("%s: no steps", name)
		}
	}
	if p, _ := plans.Load("istio"); len(p.Steps) != 5 {
		t.Errorf("istio: %d steps, want Istio's five", len(p.Steps))
	}
	for _, name := range []string{"kubernetes", "../plans/istio", "istio.yaml", ""} {
		if _, err := plans.Load(name); err == nil || err.Error() != `no plan called "`+name+`" (have csi, istio)` {
			t.Errorf("Load(%q): %v", name, err)
		}
	}
	for s, want := range map[string]bool{"istio": true, "csi": true, "plan.yaml": false, "./istio": false, "dir/istio": false, "": false} {
		if got := plans.IsName(s); got != want {
			t.Errorf("IsName(%q) = %v, want %v", s, got, want)
		}
	}
}
