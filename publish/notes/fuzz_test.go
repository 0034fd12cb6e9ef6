package notes_test

import (
	"strings"
	"testing"

	"github.com/releasekit/releasekit/publish/notes"
)

// FuzzMarkdown: any commit subjects give notes under the bound, with each commit's SHA and no
// URL password.
func FuzzMarkdown(f *testing.F) {
	f.Add("feat(api)!: drop v1", "fix: https://u:pw-secret@h.example/x", "chore")
	f.Add("(: x", "feat(: y", "!: z")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ch := &notes.Changes{Version: "1.0.0", Previous: "0.9.0"}
		for i, s := range []string{a, b, c} {
			ch.Commits = append(ch.Commits, notes.ParseSubject(strings.Repeat(string(rune('a'+i)), 40), s))
		}
		md := ch.Markdown()
		if len(md) > notes.MaxBody+100 {
			t.Fatalf("%d bytes", len(md))
		}
		for _, x := range ch.Commits {
			if !strings.Contains(md, x.SHA[:12]) {
				t.Fatalf("%s is missing:\n%s", x.SHA, md)
			}
		}
		if strings.Contains(md, ":pw-secret@") {
			t.Fatalf("a password is in the notes:\n%s", md)
		}
	})
}
