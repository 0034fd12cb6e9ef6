package validate_test

import (
	"fmt"
	"os"

	"github.com/releasekit/releasekit/validate"
)

func ExampleCheck() {
	prev := &validate.Composite{File: "hostpath", Version: "v1.9.0", Components: []validate.Component{
		{Name: "csi-provisioner", Version: "v3.1.0"}, {Name: "csi-attacher", Version: "v3.4.0"}}}
	next := &validate.Composite{File: "hostpath", Version: "v1.9.1", Components: []validate.Component{
		{Name: "csi-provisioner", Version: "v4.0.0"}, {Name: "csi-attacher", Version: "v3.4.1"}}}
	for _, v := range validate.Check(prev, next) {
		fmt.Println(v)
	}
	// Output:
	// hostpath: csi-provisioner v3.1.0 -> v4.0.0 needs a major release, v1.9.0 -> v1.9.1 is patch
}

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
