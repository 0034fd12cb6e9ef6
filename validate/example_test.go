package validate_test

import (
	"fmt"

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
