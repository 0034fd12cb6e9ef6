package resolve

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ErrNoMatchingTag is returned when no tag satisfies a constraint.
var ErrNoMatchingTag = errors.New("no tag matches")

// LatestTag returns the highest of tags that satisfies constraint, e.g. "~1.7" or ">=1.2.0 <2".
// Tags may carry a v prefix; tags that are not MAJOR.MINOR.PATCH[-PRERELEASE] are ignored.
// Pre-releases match only when the constraint names one, as in ">=1.2.0-rc.0". Numbered
// pre-releases compare by number, so v1.2.0-rc10 is above v1.2.0-rc9.
func LatestTag(tags []string, constraint string) (string, error) {
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return "", fmt.Errorf("constraint %q: %w", constraint, err)
	}
	var best string
	var bestV *semver.Version
	for _, t := range tags {
		v, err := semver.StrictNewVersion(strings.TrimPrefix(t, "v"))
		if err != nil || !c.Check(v) {
			continue
		}
		if bestV == nil || CompareVersions(v, bestV) > 0 || (CompareVersions(v, bestV) == 0 && t < best) {
			best, bestV = t, v
		}
	}
	if bestV == nil {
		return "", fmt.Errorf("%w %q", ErrNoMatchingTag, constraint)
	}
	return best, nil
}

// IsConstraint reports whether s reads as a semver constraint rather than a tag name.
func IsConstraint(s string) bool {
	if strings.ContainsAny(s, "~^<>=*, |") || strings.HasSuffix(s, ".x") || strings.Contains(s, ".x.") {
		_, err := semver.NewConstraint(s)
		return err == nil
	}
	return false
}

// CompareVersions orders versions as semver does, except that a pre-release identifier made of
// letters then digits (rc1, rc10, beta2) compares by its letters and then by its number.
func CompareVersions(a, b *semver.Version) int {
	if c := cmp.Or(cmp.Compare(a.Major(), b.Major()), cmp.Compare(a.Minor(), b.Minor()), cmp.Compare(a.Patch(), b.Patch())); c != 0 {
		return c
	}
	pa, pb := a.Prerelease(), b.Prerelease()
	switch {
	case pa == pb:
		return 0
	case pa == "":
		return 1
	case pb == "":
		return -1
	}
	xa, xb := strings.Split(pa, "."), strings.Split(pb, ".")
	for i := 0; i < len(xa) && i < len(xb); i++ {
		if c := compareIdentifier(xa[i], xb[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(xa), len(xb))
}

var lettersDigits = regexp.MustCompile(`^([A-Za-z-]+)([0-9]+)$`)

func compareIdentifier(a, b string) int {
	na, errA := strconv.ParseUint(a, 10, 64)
	nb, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(na, nb)
	case errA == nil:
		return -1 // numeric identifiers sort before alphanumeric ones
	case errB == nil:
		return 1
	}
	ma, mb := lettersDigits.FindStringSubmatch(a), lettersDigits.FindStringSubmatch(b)
	if ma != nil && mb != nil && ma[1] == mb[1] {
		x, _ := strconv.ParseUint(ma[2], 10, 64)
		y, _ := strconv.ParseUint(mb[2], 10, 64)
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
}
