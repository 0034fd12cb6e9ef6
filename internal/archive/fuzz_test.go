package archive_test

import (
	"bytes"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/releasekit/releasekit/internal/archive"
)

// seedArchives adds a small archive of each format to a corpus.
func seedArchives(f *testing.F, format archive.Format) {
	var buf bytes.Buffer
	entries := []archive.Entry{{Name: "top/a.txt", Data: []byte("a")}, {Name: "top/link", Mode: fs.ModeSymlink, Link: "a.txt"}}
	if err := archive.Write(&buf, format, entries, time.Unix(0, 0)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{0x1f, 0x8b, 8})
	f.Add([]byte("PK\x03\x04"))
}

func fuzzWalk(f *testing.F, format archive.Format) {
	seedArchives(f, format)
	limits := archive.Limits{Entry: 1 << 20, Total: 4 << 20, Entries: 1000}
	f.Fuzz(func(t *testing.T, data []byte) {
		var total int64
		err := archive.WalkLimited(bytes.NewReader(data), int64(len(data)), format, limits, func(e archive.Entry, r io.Reader) error {
			n, err := io.Copy(io.Discard, r)
			total += n
			if n > limits.Entry {
				t.Fatalf("entry %s: read %d bytes past the limit", e.Name, n)
			}
			return err
		})
		if total > limits.Total+int64(limits.Entries)*2048 {
			t.Fatalf("read %d bytes past the limits (%v)", total, err)
		}
		if list, err := archive.List(bytes.NewReader(data), int64(len(data)), format); err == nil {
			for _, e := range list {
				if archive.Check(e) != nil {
					t.Fatalf("List returned an unsafe entry %+v", e)
				}
			}
		}
	})
}

func FuzzWalkTarGz(f *testing.F) { fuzzWalk(f, archive.TarGz) }

func FuzzWalkZip(f *testing.F) { fuzzWalk(f, archive.Zip) }
