package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// git runs git in dir with fixed identities and dates.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_AUTHOR_DATE=2026-03-02T10:00:00Z",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_COMMITTER_DATE=2026-03-02T10:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// sidecar makes a bare repository with a v2.19.0 tag and one more commit on master.
func sidecar(t *testing.T, dir, name string) string {
	t.Helper()
	work, bare := filepath.Join(dir, name), filepath.Join(dir, name+".git")
	git(t, dir, "init", "--quiet", "--bare", "--initial-branch=master", bare)
	git(t, dir, "init", "--quiet", "--initial-branch=master", work)
	os.WriteFile(filepath.Join(work, "Makefile"), []byte("CMDS="+name+"\n"), 0o644)
	git(t, work, "add", "--all")
	git(t, work, "commit", "--quiet", "-m", "Release v2.19.0")
	git(t, work, "tag", "v2.19.0")
	git(t, work, "commit", "--quiet", "--allow-empty", "-m", "More work")
	git(t, work, "push", "--quiet", "--tags", bare, "master")
	return bare
}

func TestBranch(t *testing.T) {
	dir := t.TempDir()
	bare := sidecar(t, dir, "livenessprobe")
	plan := filepath.Join(dir, "csi.yaml")
	data, err := os.ReadFile("../../branch/plans/csi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The plan's repositories, cut to one sidecar on this machine.
	text := string(data)
	start, end := strings.Index(text, "repositories:"), strings.Index(text, "steps:")
	text = text[:start] + "repositories:\n  livenessprobe:\n    git: " + bare + "\n\n" + text[end:]
	os.WriteFile(plan, []byte(text), 0o644)
	const token = "ghp_MainSecretToken9999"
	getenv := func(k string) string {
		if k == "GITHUB_TOKEN" {
			return token
		}
		return os.Getenv(k)
	}
	var out, errOut bytes.Buffer
	c := config{plan: plan, version: "2.19", step: 1, dryRun: true, work: filepath.Join(dir, "work")}
	if code := run(t.Context(), c, getenv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "would create branch release-2.19 at ") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if got := git(t, dir, "--git-dir", bare, "branch", "--list", "release-2.19"); got != "" {
		t.Fatalf("the dry run created %s", got)
	}
	// A real run without a token pushes with git's own credentials.
	out.Reset()
	c.dryRun = false
	noToken := func(k string) string {
		if k == "GITHUB_TOKEN" {
			return ""
		}
		return os.Getenv(k)
	}
	if code := run(t.Context(), c, noToken, &out, &errOut); code != 0 || !strings.Contains(out.String(), "created branch release-2.19 at ") {
		t.Fatalf("real run: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	want := git(t, dir, "--git-dir", bare, "rev-parse", "v2.19.0^{commit}")
	if got := git(t, dir, "--git-dir", bare, "rev-parse", "release-2.19"); got != want {
		t.Errorf("release-2.19 at %s, want v2.19.0's %s", got, want)
	}
	if strings.Contains(out.String()+errOut.String(), token) {
		t.Error("the token was printed")
	}
}

func TestBranchBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "plan.yaml")
	os.WriteFile(bad, []byte("steps:\n  - step: 1\n    actions:\n      - replace: {files: [a], pattern: '(', with: x}\n"), 0o644)
	for _, tc := range []struct {
		c    config
		want string
	}{
		{config{plan: bad, version: "1.30"}, "-plan, -version and -step are required"},
		{config{plan: bad, version: "1.30", step: 1}, "plan.yaml:4:18: steps[0].actions[0].replace.pattern: error parsing regexp: missing closing ): `(`"},
		{config{plan: "csi", version: "2.19", step: 3, work: dir}, "no such step: 3 (the plan has steps 1 to 2)"},
		{config{plan: "csi", version: "2 19", step: 1, work: dir}, `bad input: version "2 19": want a version such as 1.19`},
		{config{plan: "kubernetes", version: "1.30", step: 1, work: dir}, `no plan called "kubernetes" (have csi, istio)`},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), tc.c, os.Getenv, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%+v: exit %d, stderr %q, want 2 and %q", tc.c, code, errOut.String(), tc.want)
		}
	}
}
