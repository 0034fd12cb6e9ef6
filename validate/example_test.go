package validate_test

import (
	"os"

	"github.com/releasekit/releasekit/validate"
)

func ExampleReport_WriteTo() {
	rep := &validate.Report{Results: []validate.Result{
		{Check: "manifest", Status: validate.Passed},
		{Check: "charts", Status: validate.Failed, Problems: []string{
			`istiod-1.2.3.tgz: templates/deployment.yaml: image "docker.io/istio/pilot:1.2.3" is not pinned`}},
		{Check: "packages", Status: validate.Skipped, Reason: "the manifest asks for no packages"},
	}}
	rep.WriteTo(os.Stdout)
	// Output:
	// PASS manifest
	// FAIL charts: istiod-1.2.3.tgz: templates/deployment.yaml: image "docker.io/istio/pilot:1.2.3" is not pinned
	// SKIP packages: the manifest asks for no packages
	// Release validation FAILED (1 of 2 checks)
}
