package artifacts

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path"
	"strconv"
	"strings"

	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
)

// commandJob is a project's own build step and the outputs it promises.
type commandJob struct {
	spec    *manifest.Command
	outputs []string // release paths, one per spec output
}

// planCommands queues the command steps; claimNames checks their outputs' names.
func (b *builder) planCommands() {
	if !b.m.Wants(manifest.OutputCommand) {
		return
	}
	for i := range b.m.Build.Commands {
		spec := &b.m.Build.Commands[i]
		if _, err := b.source(spec.Dependency); err != nil {
			b.problem(spec.Pos.Errorf("dependency", "%v", err))
			continue
		}
		j := &commandJob{spec: spec}
		for _, o := range spec.Outputs {
			j.outputs = append(j.outputs, path.Base(o))
			b.count++
		}
		b.commands = append(b.commands, j)
	}
	if len(b.commands) > 0 {
		b.steps = append(b.steps, b.runCommands)
	}
}

// commandEnv is the fixed environment of command steps.
func (b *builder) commandEnv(dir string) []string {
	env := b.goEnv(dir, "", "", "", "")
	return append(env,
		"VERSION="+b.m.Version,
		"TAG="+b.m.Version,
		"HUB="+b.m.Docker,
		"SOURCE_DATE_EPOCH="+strconv.FormatInt(b.o.time.Unix(), 10),
		"GOFLAGS=-trimpath -buildvcs=false "+envValue(env, "GOFLAGS"),
		"TZ=UTC", "LC_ALL=C")
}

// runCommands runs each command, one at a time since they may share a tree, unless all its
// outputs are there from the same inputs.
func (b *builder) runCommands(ctx context.Context) error {
	for _, j := range b.commands {
		s, err := b.source(j.spec.Dependency)
		if err != nil {
			return err
		}
		_, id, err := s.tree(ctx)
		if err != nil {
			return err
		}
		env := b.commandEnv(s.Dir)
		k := key(append([]string{"command", id, b.m.Version, b.m.Docker, b.o.time.String(), strings.Join(j.spec.Run, "\x00")}, j.spec.Outputs...)...)
		ran := false
		for i, o := range j.spec.Outputs {
			if !b.o.sel.picks(manifest.OutputCommand, j.outputs[i], "") {
				continue // another shard's
			}
			_, _, ok := b.reusable(j.outputs[i], k)
			if !ok && b.o.reuseOnly {
				return fmt.Errorf("%s: %w", j.outputs[i], ErrNotBuilt)
			}
			if !ran && !ok {
				if err := b.run(ctx, j.spec, s.Dir, env); err != nil {
					return err
				}
				ran = true
			}
			err := b.produce(ctx, j.outputs[i], manifest.OutputCommand, k, func(w io.Writer) error {
				// Through the tree's root: an output that is a link, or leads out, is refused.
				f, err := openInTree(s.Dir, o)
				if err != nil {
					return fmt.Errorf("command %s output %s: %w", j.spec.Name, o, err)
				}
				defer f.Close()
				_, err = io.Copy(w, f)
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) run(ctx context.Context, spec *manifest.Command, dir string, env []string) error {
	cmd := exec.CommandContext(ctx, spec.Run[0], spec.Run[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	b.o.log.Info("run", "artifact", spec.Name, "dependency", spec.Dependency)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("command %s: %w: %s", spec.Name, err, tail(output.String(), 2000))
	}
	return nil
}

// tail returns the end of s, at most n bytes: where a failing command says why. URL credentials
// in it are removed, since it goes into an error.
func tail(s string, n int) string {
	s = strings.TrimSpace(gitx.Redact(s))
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
