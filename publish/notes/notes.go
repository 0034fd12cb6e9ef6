package notes

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/releasekit/releasekit/internal/gitx"
)

// MaxCommits bounds the commits one release's notes list; older ones are counted, not listed.
const MaxCommits = 1000

// MaxBody bounds the notes, under GitHub's limit for a release body (125,000 characters).
const MaxBody = 100_000

// Commit is one change.
type Commit struct {
	SHA     string
	Subject string
	// Type and Scope are the conventional-commit type and scope ("feat", "api"), or empty.
	Type, Scope string
	// Breaking is set by a "!" before the colon.
	Breaking bool
}

// Changes are the commits of a release since the previous one.
type Changes struct {
	// Version is the release's version; Previous the tag of the release before it, or empty
	// when there is none (every commit is listed).
	Version, Previous string
	// Commits are newest first, merges left out.
	Commits []Commit
	// More counts commits beyond MaxCommits, not listed.
	More int
}

// FromGit reads the changes of the release version, made at commit to, from the git repository
// at dir. The previous release is the highest tag below version (with or without a "v") among
// the tags to contains; a final release skips pre-release tags, so 1.3.0 follows 1.2.0, not
// 1.3.0-rc.2.
func FromGit(ctx context.Context, dir, to, version string) (*Changes, error) {
	if !gitx.IsFullSHA(to) {
		return nil, fmt.Errorf("notes: %q is not a full commit SHA", to)
	}
	v, err := semver.NewVersion(version)
	if err != nil {
		return nil, fmt.Errorf("notes: version %q: %w", version, err)
	}
	g := gitx.At(dir)
	if g.IsShallow(ctx) {
		return nil, fmt.Errorf("notes: %s is a shallow repository: the notes need the history since the previous release tag; fetch it whole", dir)
	}
	tags, err := g.Run(ctx, "tag", "--list", "--merged", to)
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}
	c := &Changes{Version: version}
	var best *semver.Version
	for _, t := range strings.Fields(tags) {
		tv, err := semver.StrictNewVersion(strings.TrimPrefix(t, "v"))
		if err != nil || !tv.LessThan(v) || (v.Prerelease() == "" && tv.Prerelease() != "") {
			continue
		}
		if best == nil || tv.GreaterThan(best) || (tv.Equal(best) && t < c.Previous) {
			best, c.Previous = tv, t
		}
	}
	rng := to
	if c.Previous != "" {
		rng = "refs/tags/" + c.Previous + ".." + to
	}
	count, err := g.Run(ctx, "rev-list", "--count", "--no-merges", "--end-of-options", rng)
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}
	var total int
	fmt.Sscan(count, &total)
	out, err := g.Output(ctx, "log", "--no-merges", fmt.Sprintf("--max-count=%d", MaxCommits), "--format=%H%x1f%s%x1e", "--end-of-options", rng)
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}
	for _, rec := range bytes.Split(out, []byte{0x1e}) {
		sha, subject, ok := strings.Cut(strings.TrimSpace(string(rec)), "\x1f")
		if !ok {
			continue
		}
		c.Commits = append(c.Commits, ParseSubject(sha, subject))
	}
	c.More = max(0, total-len(c.Commits))
	return c, nil
}

// conventional is a conventional-commit subject: type, optional scope, optional "!", ": ".
var conventional = regexp.MustCompile(`^([a-zA-Z]+)(?:\(([^()\n]*)\))?(!)?: (.+)$`)

// ParseSubject reads a commit subject's conventional-commit type, scope and "!" (breaking), if it
// has them: "feat(api)!: drop v1".
func ParseSubject(sha, subject string) Commit {
	c := Commit{SHA: sha, Subject: subject}
	if m := conventional.FindStringSubmatch(subject); m != nil {
		c.Type, c.Scope, c.Breaking, c.Subject = strings.ToLower(m[1]), m[2], m[3] == "!", m[4]
	}
	return c
}

// groups are the sections of the notes, in order, by conventional-commit type.
var groups = []struct {
	title string
	types []string
}{
	{"Features", []string{"feat"}},
	{"Bug fixes", []string{"fix"}},
	{"Performance", []string{"perf"}},
	{"Documentation", []string{"docs"}},
	{"Reverts", []string{"revert"}},
}

// Markdown writes the notes: a heading naming the previous release, then the breaking changes,
// then a section per group, then the rest. Without any conventional subject the commits are one
// plain list. URL credentials in subjects are removed, and the notes are cut at MaxBody.
func (c *Changes) Markdown() string {
	var b strings.Builder
	if c.Previous != "" {
		fmt.Fprintf(&b, "## Changes since %s\n", c.Previous)
	} else {
		b.WriteString("## Changes\n")
	}
	line := func(x Commit) string {
		s := gitx.Redact(x.Subject)
		if x.Scope != "" {
			s = "**" + gitx.Redact(x.Scope) + ":** " + s
		}
		return fmt.Sprintf("- %s (%s)\n", s, x.SHA[:min(12, len(x.SHA))])
	}
	section := func(title string, list []Commit) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n### %s\n\n", title)
		for _, x := range list {
			b.WriteString(line(x))
		}
	}
	if len(c.Commits) == 0 {
		b.WriteString("\nNo changes.\n")
	}
	typed := false
	for _, x := range c.Commits {
		typed = typed || x.Type != ""
	}
	if !typed {
		section("Commits", c.Commits)
	} else {
		var breaking []Commit
		placed := map[int]bool{}
		for i, x := range c.Commits {
			if x.Breaking {
				breaking, placed[i] = append(breaking, x), true
			}
		}
		section("Breaking changes", breaking)
		for _, g := range groups {
			var list []Commit
			for i, x := range c.Commits {
				if !placed[i] && slices.Contains(g.types, x.Type) {
					list, placed[i] = append(list, x), true
				}
			}
			section(g.title, list)
		}
		var rest []Commit
		for i, x := range c.Commits {
			if !placed[i] {
				rest = append(rest, x)
			}
		}
		section("Other changes", rest)
	}
	if c.More > 0 {
		fmt.Fprintf(&b, "\nAnd %d older commits.\n", c.More)
	}
	s := b.String()
	if len(s) > MaxBody {
		cut := strings.LastIndexByte(s[:MaxBody], '\n') + 1
		s = s[:cut] + "\n(cut: the notes are longer than GitHub takes)\n"
	}
	return s
}
