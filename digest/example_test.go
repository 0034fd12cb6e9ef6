package digest_test

import (
	"context"
	"fmt"

	"github.com/releasekit/releasekit/digest"
)

func ExamplePin() {
	values := []byte(`# The server's image.
image:
  repository: prom/prometheus
  tag: v2.18.1 # pinned by the release
`)
	lock, err := digest.ReadLock([]byte(`images:
  index.docker.io/prom/prometheus:v2.18.1: sha256:f7c9d208e47dd9006afda264c9b9769f399b0f70d0bbb7f0483c2f31e60327ea
`), digest.LockFile)
	if err != nil {
		fmt.Println(err)
		return
	}
	pinned, changes, err := digest.Pin(context.Background(), values, "values.yaml", lock)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(pinned))
	for _, c := range changes {
		fmt.Printf("%s:%d: %s (%s)\n", c.File, c.Line, c.Path, c.Shape)
	}
	// Output:
	// # The server's image.
	// image:
	//   repository: prom/prometheus
	//   tag: v2.18.1@sha256:f7c9d208e47dd9006afda264c9b9769f399b0f70d0bbb7f0483c2f31e60327ea # pinned by the release
	// values.yaml:4: image.tag (map)
}
