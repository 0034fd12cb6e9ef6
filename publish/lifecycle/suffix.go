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

// suffixRe reads a suffix: an optional kind letter, the time, a dash and what follows it.
var suffixRe = regexp.MustCompile(`^([a-z]?)(\d{8}t\d{6}z)-([a-z0-9]+)$`)

// restRe is what may follow a suffix's time: GCE image names take [a-z0-9-].
var restRe = regexp.MustCompile(`^[a-z0-9]+$`)

// maxSuffix bounds a suffix: a GCE image name is at most 63 characters, and the suffix follows
// the image's name and a dash.
const maxSuffix = 48

// Suffix names one image build, as automation_images' IMG_SFX does: the build time in UTC, a
// dash, and what tells the images apart beside it, 20260425t010036z-f43f42d14 (Fedora 43, the
// prior Fedora 42, Debian 14). The committed value has no kind letter: a name puts one in front
// where it uses the suffix (<name>-b<suffix> base images, c<suffix> container tags). Suffixes
// sort by time, to the second.
type Suffix struct {
	// Kind is the letter in front (b, c, …), 0 for none, as IMG_SFX is committed.
	Kind byte
	// Time is the build time, in UTC, to the second.
	Time time.Time
	// Rest follows the time after its dash: the distributions' versions (f43f42d14), or the
	// first seven hex digits of the commit built (CommitSuffix).
	Rest string
}

// NewSuffix makes the suffix of a build at t: kind (0 for none, else a letter a-z), the time in
// UTC, and rest, lowercase letters and digits.
func NewSuffix(kind byte, t time.Time, rest string) (Suffix, error) {
	if kind != 0 && (kind < 'a' || kind > 'z') {
		return Suffix{}, fmt.Errorf("suffix: kind %q: want a letter a-z, or none", kind)
	}
	if t.IsZero() {
		return Suffix{}, fmt.Errorf("suffix: no build time")
	}
	if !restRe.MatchString(rest) {
		return Suffix{}, fmt.Errorf("suffix: %q after the time: want lowercase letters and digits", rest)
	}
	s := Suffix{Kind: kind, Time: t.UTC().Truncate(time.Second), Rest: rest}
	if n := len(s.String()); n > maxSuffix {
		return Suffix{}, fmt.Errorf("suffix %s: %d characters, want at most %d (an image name is at most 63)", s, n, maxSuffix)
	}
	return s, nil
}

// Distributions is what automation_images' Makefile writes after the time: f<fedora>f<prior
// fedora>d<debian>, the Debian release without its dots (f43f42d14, f43f42d131 for 13.1).
func Distributions(fedora, priorFedora, debian string) string {
	return "f" + fedora + "f" + priorFedora + "d" + strings.ReplaceAll(debian, ".", "")
}

// CommitSuffix is the suffix of a build of commit at t, the commit's first seven hex digits
// after the time: c20261130t070102z-f9152e2. Two builds of one commit at different times differ.
func CommitSuffix(kind byte, t time.Time, commit string) (Suffix, error) {
	if len(commit) < 7 || strings.Trim(commit, "0123456789abcdef") != "" {
		return Suffix{}, fmt.Errorf("suffix: commit %q: want a hex commit of at least 7 digits", commit)
	}
	return NewSuffix(kind, t, commit[:7])
}

// String is the suffix as names and tags write it.
func (s Suffix) String() string {
	var k string
	if s.Kind != 0 {
		k = string(s.Kind)
	}
	return k + s.Time.UTC().Format(suffixLayout) + "-" + s.Rest
}

// ParseSuffix reads a suffix, with its kind letter or without: what automation_images commits
// (20260425t010036z-f43f42d14, and its first values, 20230120t152650z-f37f36u2204), what its
// names use (c20260425t010036z-f43f42d14), and CommitSuffix's.
func ParseSuffix(s string) (Suffix, error) {
	m := suffixRe.FindStringSubmatch(s)
	if m == nil {
		return Suffix{}, fmt.Errorf("suffix %q: want [letter]<yyyymmdd>t<hhmmss>z-<letters and digits>", s)
	}
	t, err := time.Parse(suffixLayout, m[2])
	if err != nil {
		return Suffix{}, fmt.Errorf("suffix %q: %w", s, err)
	}
	var kind byte
	if m[1] != "" {
		kind = m[1][0]
	}
	return Suffix{Kind: kind, Time: t, Rest: m[3]}, nil
}

// SuffixChange is a change of the committed suffix that a pull request proposes, and what
// automation_images' validate task knows of it.
type SuffixChange struct {
	// Old is the base branch's suffix, New the pull request's.
	Old, New string
	// InUse are the tags already pushed (automation_images lists its imgts image's tags): the
	// new suffix may be in none of them.
	InUse []string
	// Changed are the files the pull request changes, and Inputs the globs (path.Match, or a
	// folder ending in /) of the files the images are built from. With no Inputs every change
	// must commit a new suffix, as automation_images requires of every pull request.
	Changed, Inputs []string
	// Docs is a documentation-only pull request (a title holding CI:DOCS): nothing is checked.
	Docs bool
}

// CheckSuffixChange is what automation_images' validate task asserts of a pull request: it
// commits a new suffix (unless it is Docs, or changes no input of the images), the new suffix
// sorts after the old one by time (an equal time passes, as sort -V does), and no tag in use
// already holds it, so that new images never overwrite those CI still uses.
func CheckSuffixChange(c SuffixChange) error {
	if c.Docs {
		return nil
	}
	touched := "the change"
	if len(c.Inputs) > 0 {
		touched = ""
		for _, p := range c.Changed {
			if matchAny(c.Inputs, p) {
				touched = p
				break
			}
		}
		if touched == "" {
			return nil
		}
	}
	if c.New == c.Old {
		return fmt.Errorf("%s changes the images, but the suffix is still %s: commit a new one", touched, c.Old)
	}
	was, err := ParseSuffix(c.Old)
	if err != nil {
		return fmt.Errorf("the old suffix: %w", err)
	}
	now, err := ParseSuffix(c.New)
	if err != nil {
		return fmt.Errorf("the new suffix: %w", err)
	}
	if now.Time.Before(was.Time) {
		return fmt.Errorf("the new suffix %s does not come after %s", c.New, c.Old)
	}
	for _, tag := range c.InUse {
		if strings.Contains(tag, c.New) {
			return fmt.Errorf("the new suffix %s is in use already (tag %s): a suffix changes for every image build", c.New, tag)
		}
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
