package lifecycle

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
)

// suffixLayout is the time part of a suffix: sortable, in UTC, with no character a tag or a
// resource name refuses.
const suffixLayout = "20060102t150405z"

var suffixRe = regexp.MustCompile(`^([a-z])(\d{8}t\d{6}z)-([0-9a-f]{7,40})$`)

// Suffix names one image build: a kind letter (c for container images, or the caller's), the
// build time in UTC and the commit's first seven hex digits, e.g. c20261130t080102z-f9152e2.
// Suffixes of one kind sort by time; two builds of one commit at different times differ.
func Suffix(kind byte, t time.Time, commit string) (string, error) {
	if kind < 'a' || kind > 'z' {
		return "", fmt.Errorf("suffix: kind %q: want a letter a-z", kind)
	}
	if len(commit) < 7 || strings.Trim(commit, "0123456789abcdef") != "" {
		return "", fmt.Errorf("suffix: commit %q: want a hex commit of at least 7 digits", commit)
	}
	if t.IsZero() {
		return "", fmt.Errorf("suffix: no build time")
	}
	return string(kind) + t.UTC().Format(suffixLayout) + "-" + commit[:7], nil
}

// ParseSuffix reads a suffix back.
func ParseSuffix(s string) (kind byte, t time.Time, commit string, err error) {
	m := suffixRe.FindStringSubmatch(s)
	if m == nil {
		return 0, time.Time{}, "", fmt.Errorf("suffix %q: want <letter><yyyymmdd>t<hhmmss>z-<commit>", s)
	}
	t, err = time.Parse(suffixLayout, m[2])
	if err != nil {
		return 0, time.Time{}, "", fmt.Errorf("suffix %q: %w", s, err)
	}
	return m[1][0], t, m[3], nil
}

// CheckSuffixChange is what the containers org's validate task asserts of a change: when any
// changed path is an input of the images (inputs holds path.Match globs, or folder prefixes
// ending in /), the change updates the committed suffix (old to new, read from the suffix file
// before and after it), to a valid suffix of the same kind that sorts after the old one, so that
// the new images never overwrite those CI still uses.
func CheckSuffixChange(changed, inputs []string, old, updated string) error {
	var touched string
	for _, p := range changed {
		if matchAny(inputs, p) {
			touched = p
			break
		}
	}
	if touched == "" {
		return nil
	}
	if updated == old {
		return fmt.Errorf("%s changes the images, but the suffix is still %s: commit a new one", touched, old)
	}
	k1, t1, _, err := ParseSuffix(old)
	if err != nil {
		return fmt.Errorf("the old suffix: %w", err)
	}
	k2, t2, _, err := ParseSuffix(updated)
	if err != nil {
		return fmt.Errorf("the new suffix: %w", err)
	}
	if k1 != k2 || !t2.After(t1) {
		return fmt.Errorf("the new suffix %s does not come after %s", updated, old)
	}
	return nil
}

// matchAny reports whether p matches a glob of patterns (path.Match), or lies under one ending
// in "/".
func matchAny(patterns []string, p string) bool {
	for _, g := range patterns {
		if strings.HasSuffix(g, "/") && strings.HasPrefix(p, g) {
			return true
		}
		if ok, _ := path.Match(g, p); ok {
			return true
		}
	}
	return false
}
