package validate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/validate"
)

func ExampleReport_WriteTo() {
	rep := &validate.Report{Results: []validate.Result{
		{Check: "manifest", Status: validate.Passed},
		{Check: "binaries", Status: validate.Passed, Notes: []string{"hello.tar.gz: hello: -X main.REVISION is not checked: the binary has no such variable (unused, dropped by the linker)"}},
		{Check: "charts", Status: validate.Failed, Problems: []string{
			`istiod-1.2.3.tgz: templates/deployment.yaml: image "docker.io/istio/pilot:1.2.3" is not pinned`}},
		{Check: "packages", Status: validate.Skipped, Reason: "the manifest asks for no packages"},
	}}
	rep.WriteTo(os.Stdout)
	// Output:
	// PASS manifest
	// NOTE binaries: hello.tar.gz: hello: -X main.REVISION is not checked: the binary has no such variable (unused, dropped by the linker)
	// PASS binaries
	// FAIL charts: istiod-1.2.3.tgz: templates/deployment.yaml: image "docker.io/istio/pilot:1.2.3" is not pinned
	// SKIP packages: the manifest asks for no packages
	// Release validation FAILED (1 of 3 checks)
}

// notBeforeCommits is a project's own check: the release time must not come before any
// dependency's commit.
type notBeforeCommits struct{}

func (notBeforeCommits) Name() string { return "release-time" }

func (notBeforeCommits) Check(_ context.Context, d *release.Dir) error {
	var errs []error
	for _, name := range d.Manifest.DependencyNames() {
		dep := d.Manifest.Dependencies[name]
		if t, err := time.Parse(time.RFC3339, dep.Resolved.CommitTime); err == nil && d.Time.Before(t) {
			errs = append(errs, fmt.Errorf("%s: committed %s, after the release time %s", name, dep.Resolved.CommitTime, d.Manifest.ReleaseTime))
		}
	}
	return errors.Join(errs...)
}

// A caller's own Checker runs beside the built-in ones, on the same opened release directory.
func ExampleChecker() {
	dir, _ := os.MkdirTemp("", "release-")
	defer os.RemoveAll(dir)
	m, _ := manifest.Parse(strings.NewReader(`version: 1.0.0
dependencies:
  app:
    git: https://example.com/app.git
    sha: 0123456789abcdef0123456789abcdef01234567
    resolved: {from: tag v1.0.0, commitTime: "2024-05-01T12:00:00Z"}
`), "manifest.yaml")
	// Stamped a day before its commit, as a wrong SOURCE_DATE_EPOCH would.
	release.Write(dir, release.Record{Manifest: m, Time: time.Date(2024, 4, 30, 12, 0, 0, 0, time.UTC)})
	rep, err := validate.Release(context.Background(), dir,
		validate.WithOnlyChecks(validate.Manifest{}, validate.Checksums{}),
		validate.WithExtraChecks(notBeforeCommits{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep.WriteTo(os.Stdout)
	// Output:
	// PASS manifest
	// PASS checksums
	// FAIL release-time: app: committed 2024-05-01T12:00:00Z, after the release time 2024-04-30T12:00:00Z
	// Release validation FAILED (1 of 3 checks)
}
