package artifacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/manifest"
)

// produce makes the output rel (a path in the release directory) unless the last build made it
// from inputs with the same key and it is still there. fill writes the content; the file appears
// only if fill succeeds.
func (b *builder) produce(ctx context.Context, rel string, kind manifest.Output, k string, fill func(w io.Writer) error) error {
	if !b.o.sel.picks(kind, rel, "") {
		return nil // another shard's
	}
	return b.produceOutput(ctx, rel, kind, k, fill)
}

// produceOutput is produce for an output this build makes whatever the selector says (a bill
// of materials follows what it describes).
func (b *builder) produceOutput(ctx context.Context, rel string, kind manifest.Output, k string, fill func(w io.Writer) error) error {
	start := time.Now()
	dest := filepath.Join(b.out, filepath.FromSlash(rel))
	stamp := b.stampPath(rel)
	if sum, size, ok := b.reusable(rel, k); ok {
		b.record(Artifact{Path: rel, Kind: kind, Size: size, SHA256: sum, Reused: true})
		b.progress.line("reused", rel, size, time.Since(start))
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.o.reuseOnly {
		return fmt.Errorf("%s: %w", rel, ErrNotBuilt)
	}
	for _, dir := range []string{filepath.Dir(dest), filepath.Dir(stamp)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := atomicfile.Create(dest, 0o644)
	if err != nil {
		return err
	}
	defer f.Abort()
	h := sha256.New()
	cw := &countWriter{}
	if err := fill(io.MultiWriter(f, h, cw)); err != nil {
		return fmt.Errorf("build %s: %w", rel, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := atomicfile.WriteFile(stamp, []byte(k+" "+sum+" "+strconv.FormatInt(cw.n, 10)+"\n"), 0o644); err != nil {
		return err
	}
	b.record(Artifact{Path: rel, Kind: kind, Size: cw.n, SHA256: sum})
	b.progress.line("built", rel, cw.n, time.Since(start))
	b.o.log.Info("built", "artifact", rel, "sha256", sum, "size", cw.n)
	return nil
}

func (b *builder) stampPath(rel string) string {
	return filepath.Join(b.o.work, "stamps", filepath.FromSlash(rel)+".stamp")
}

// reusable returns the digest and size of rel when the last build made it from inputs with key
// k and it is still there, whole.
func (b *builder) reusable(rel, k string) (string, int64, bool) {
	sum, size, ok := readStamp(b.stampPath(rel), k)
	if !ok {
		return "", 0, false
	}
	st, err := os.Stat(filepath.Join(b.out, filepath.FromSlash(rel)))
	if err != nil || !st.Mode().IsRegular() || st.Size() != size {
		return "", 0, false
	}
	return sum, size, true
}

// readStamp returns the digest and size recorded for an output built with key k.
func readStamp(path, k string) (string, int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false
	}
	f := strings.Fields(string(data))
	if len(f) != 3 || f[0] != k {
		return "", 0, false
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	return f[1], size, err == nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
