package resolve_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/Masterminds/semver/v3"

	"github.com/releasekit/releasekit/resolve"
)

func TestLatestTag(t *testing.T) {
	tags := []string{
		"v1.1.0", "v1.2.0-rc.1", "v1.2.0-rc.2", "v1.2.0", "1.2.1", "v1.3.0-rc1", "v1.3.0-rc2",
		"v1.3.0-rc10", "v1.3.0-rc9", "v2.0.0", "release-1.2", "v1.4", "latest",
	}
	tests := []struct {
		constraint, want string
	}{
		{"~1.2", "1.2.1"},
		{"^1", "1.2.1"},
		{">=1.2.0 <2", "1.2.1"},
		{"1.2.x", "1.2.1"},
		{">=1.2.0-rc.0 <1.2.0", "v1.2.0-rc.2"},
		{">=1.3.0-rc1", "v2.0.0"},
		{">=1.3.0-rc1 <1.3.0", "v1.3.0-rc10"}, // rc10 is newer than rc9
		{"~1.3.0-0", "v1.3.0-rc10"},
		{"*", "v2.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.constraint, func(t *testing.T) {
			got, err := resolve.LatestTag(tags, tt.constraint)
			if err != nil || got != tt.want {
				t.Errorf("LatestTag(%q) = %q, %v; want %q", tt.constraint, got, err, tt.want)
			}
		})
	}
	if _, err := resolve.LatestTag(tags, "~1.3"); !errors.Is(err, resolve.ErrNoMatchingTag) {
		t.Errorf("~1.3 has only pre-releases: err = %v, want ErrNoMatchingTag", err)
	}
	if _, err := resolve.LatestTag(tags, "not a constraint"); err == nil {
		t.Error("bad constraint: no error")
	}
}

func TestCompareVersions(t *testing.T) {
	ordered := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc1", "1.0.0-rc2", "1.0.0-rc10", "1.0.0", "1.0.1", "1.1.0", "2.0.0"}
	for i := range ordered {
		for j := range ordered {
			a, b := semver.MustParse(ordered[i]), semver.MustParse(ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := resolve.CompareVersions(a, b); got != want {
				t.Errorf("CompareVersions(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestIsConstraint(t *testing.T) {
	for s, want := range map[string]bool{
		"~1.7": true, ">=1.2.0 <2": true, "1.2.x": true, "^2": true, "*": true,
		"v1.2.0": false, "release-1.7": false, "1.2.0": false, "latest": false,
	} {
		if got := resolve.IsConstraint(s); got != want {
			t.Errorf("IsConstraint(%q) = %v, want %v", s, got, want)
		}
	}
}

func ExampleLatestTag() {
	tags := []string{"v1.6.9", "v1.7.0-rc.1", "v1.7.0", "v1.7.3", "v1.8.0-rc.1"}
	for _, c := range []string{"~1.7", ">=1.8.0-rc.0"} {
		tag, _ := resolve.LatestTag(tags, c)
		fmt.Println(c, "→", tag)
	}
	// Output:
	// ~1.7 → v1.7.3
	// >=1.8.0-rc.0 → v1.8.0-rc.1
}
