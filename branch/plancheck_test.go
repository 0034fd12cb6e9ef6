package branch_test

import (
	"testing"

	"github.com/releasekit/releasekit/branch"
)

func TestLoadShipped(t *testing.T) {
	for _, f := range []string{"../examples/branch/istio.yaml", "../examples/branch/csi.yaml"} {
		if _, err := branch.Load(f); err != nil {
			t.Error(err)
		}
	}
}
