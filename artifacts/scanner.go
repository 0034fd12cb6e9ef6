package artifacts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/artifacts/scan"
	"github.com/releasekit/releasekit/manifest"
)

type scanJob struct {
	image    *imageJob
	platform string // with input: tarball
	rel      string
}

// planScanner queues a scan of every image (every platform, with tarballs) after the images.
func (b *builder) planScanner() {
	s := b.m.Build.Scanner
	if s == nil || !b.m.Wants(manifest.OutputScanner) {
		return // without a command, the manifest's validation refused the output
	}
	for _, j := range b.images {
		paths := release.ScanPaths(j.name, j.platforms, s.Input == "tarball")
		for i, rel := range paths {
			sj := &scanJob{image: j, rel: rel}
			if len(paths) > 1 || s.Input == "tarball" {
				sj.platform = j.platforms[i]
			}
			b.scans = append(b.scans, sj)
		}
	}
	b.count += len(b.scans)
	b.steps = append(b.steps, b.runScans)
}

// runScans runs the scanner over each image exported to the work folder, keeps its report, and
// fails on a finding at failOn or above. A report is kept while the image and the command stay
// the same.
func (b *builder) runScans(ctx context.Context) error {
	s := b.m.Build.Scanner
	for _, j := range b.scans {
		d := j.image.digest.String()
		k := key(append([]string{"scan", d, j.platform, s.Input, s.FailOn}, s.Run...)...)
		err := b.produce(ctx, j.rel, manifest.OutputScanner, k, func(w io.Writer) error {
			report, err := b.scanImage(ctx, j)
			if err != nil {
				return err
			}
			if s.FailOn != "" {
				findings, err := scan.Findings(report)
				if err != nil {
					return fmt.Errorf("scan %s: %w", j.image.ref, err)
				}
				if hits, _ := scan.AtLeast(findings, s.FailOn); len(hits) > 0 {
					ids := make([]string, 0, min(len(hits), 10))
					for _, h := range hits[:min(len(hits), 10)] {
						ids = append(ids, fmt.Sprintf("%s %s (%s)", h.Severity, h.ID, h.Package))
					}
					return fmt.Errorf("scan %s: %d findings at %s or above: %s", j.image.ref, len(hits), s.FailOn, strings.Join(ids, ", "))
				}
			}
			_, err = w.Write(report)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// scanImage exports the image to a fresh folder of the work folder, runs the scanner on it and
// returns its report, which must be JSON.
func (b *builder) scanImage(ctx context.Context, j *scanJob) ([]byte, error) {
	dir, err := os.MkdirTemp(b.o.work, "scan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	input := filepath.Join(dir, "image")
	if j.platform == "" {
		p, err := layout.Write(input, mutate.IndexMediaType(empty.Index, types.OCIImageIndex))
		if err != nil {
			return nil, err
		}
		if err := p.AppendIndex(j.image.index, layout.WithAnnotations(map[string]string{release.RefNameAnnotation: j.image.ref})); err != nil {
			return nil, err
		}
	} else {
		input += ".tar"
		tag, err := name.NewTag(j.image.ref)
		if err != nil {
			return nil, err
		}
		if err := tarball.WriteToFile(input, tag, j.image.images[j.platform]); err != nil {
			return nil, err
		}
	}
	data := manifest.ScannerData{Input: input, Image: j.image.ref, Name: j.image.name, Platform: j.platform}
	var argv []string
	for _, a := range b.m.Build.Scanner.Run {
		t, err := template.New("run").Option("missingkey=error").Parse(a)
		if err != nil {
			return nil, err
		}
		var s strings.Builder
		if err := t.Execute(&s, data); err != nil {
			return nil, err
		}
		argv = append(argv, s.String())
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	stdout := &limitedBuffer{max: scan.MaxReport}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	b.o.log.Info("scan", "image", j.image.ref, "platform", j.platform)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("scan %s: %w: %s", j.image.ref, err, tail(stderr.String(), 2000))
	}
	if stdout.over {
		return nil, fmt.Errorf("scan %s: the report is larger than %d bytes", j.image.ref, scan.MaxReport)
	}
	report := bytes.ReplaceAll(stdout.Bytes(), []byte(dir), []byte("."))
	if !json.Valid(report) {
		return nil, errors.New("scan " + j.image.ref + ": the scanner printed no JSON report")
	}
	return report, nil
}

// limitedBuffer keeps up to max bytes and notes that more came.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := l.max - l.Len(); n > room {
		l.over = true
		p = p[:max(room, 0)]
	}
	l.Buffer.Write(p)
	return n, nil // the rest is dropped, not refused: the scanner runs to its end
}
