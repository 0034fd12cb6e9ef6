package policy_test

import (
	"fmt"

	"github.com/releasekit/releasekit/validate/policy"
)

func ExampleCheck() {
	prev := &policy.Composite{File: "hostpath", Version: "v1.9.0", Components: []policy.Component{
		{Name: "csi-provisioner", Version: "v3.1.0"}, {Name: "csi-attacher", Version: "v3.4.0"}}}
	next := &policy.Composite{File: "hostpath", Version: "v1.9.1", Components: []policy.Component{
		{Name: "csi-provisioner", Version: "v4.0.0"}, {Name: "csi-attacher", Version: "v3.4.1"}}}
	for _, v := range policy.Check(prev, next) {
		fmt.Println(v)
	}
	// Output:
	// hostpath: csi-provisioner v3.1.0 -> v4.0.0 needs a major release, v1.9.0 -> v1.9.1 is patch
}
