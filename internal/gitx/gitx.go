package gitx

import (
	"bufio"
	"bytes"
	"context"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
)

// Git runs git commands in one directory.
type Git struct {
	// Dir is the working directory; empty means the process's own.
	Dir string
	// Env is added to the inherited environment, e.g. GIT_COMMITTER_DATE for reproducible commits.
	Env []string
}

// At returns a Git running in dir.
func At(dir string, env ...string) *Git { return &Git{Dir: dir, Env: env} }

// Run runs git with args and returns its standard output with trailing white space trimmed.
// The error names the command and carries git's standard error, with credentials removed.
func (g *Git) Run(ctx context.Context, args ...string) (string, error) {
	out, err := g.Output(ctx, args...)
	return strings.TrimRight(string(out), "\r\n\t "), err
}

// Output runs git with args and returns its standard output unchanged.
func (g *Git) Output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.Dir
	// Never prompt: a release must fail, not hang, on missing credentials.
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "LC_ALL=C")
	cmd.Env = append(cmd.Env, g.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, &Error{Args: redactAll(args), Stderr: Redact(strings.TrimSpace(stderr.String())), Err: err}
	}
	return stdout.Bytes(), nil
}

// IsShallow reports whether the repository holds a shallow history (a depth-limited clone).
func (g *Git) IsShallow(ctx context.Context) bool {
	out, err := g.Run(ctx, "rev-parse", "--is-shallow-repository")
	return err == nil && out == "true"
}

// Error is a failed git command.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := "git " + strings.Join(e.Args, " ") + ": " + e.Err.Error()
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// userinfo is a URL's user information: everything up to the last @ before the path, since a
// password may hold a raw @.
var userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s]*@`)

// Redact removes user names and passwords from every URL in s.
func Redact(s string) string {
	return userinfo.ReplaceAllString(s, "${1}")
}

// RedactURL removes the user name and password from a URL; s is returned as it is when it is
// not a URL.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return Redact(s)
	}
	u.User = nil
	return u.String()
}

func redactAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = Redact(a)
	}
	return out
}

// IsFullSHA reports whether s is a full 40-digit lowercase hex object name.
func IsFullSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// RunProgress runs git with args as Run does, and calls progress with each line of progress git
// writes to its standard error (lines end in \r or \n), with credentials removed.
func (g *Git) RunProgress(ctx context.Context, progress func(line string), args ...string) error {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.Dir
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "LC_ALL=C")
	cmd.Env = append(cmd.Env, g.Env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return &Error{Args: redactAll(args), Err: err}
	}
	// The last lines are kept for the error, as Run keeps standard error.
	var tail []string
	sc := bufio.NewScanner(stderr)
	sc.Split(splitProgress)
	for sc.Scan() {
		line := Redact(strings.TrimSpace(sc.Text()))
		if line == "" {
			continue
		}
		progress(line)
		if tail = append(tail, line); len(tail) > 20 {
			tail = tail[1:]
		}
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return &Error{Args: redactAll(args), Stderr: strings.Join(tail, "\n"), Err: err}
	}
	return nil
}

// splitProgress splits git's progress output, whose lines end in \r or \n.
func splitProgress(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		if b == '\r' || b == '\n' {
			return i + 1, data[:i], nil
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
