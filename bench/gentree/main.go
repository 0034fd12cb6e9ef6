// Command gentree writes a folder of mixed files for bench/archive.sh: random bytes, text and
// sparse data in sizes from 4 KiB to 16 MiB, from a fixed seed so every run makes the same tree.
//
//	go run ./bench/gentree DIR BYTES
package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gentree DIR BYTES")
		os.Exit(2)
	}
	total, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := generate(os.Args[1], total); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var words = []string{"release", "manifest", "digest", "image", "chart", "binary", "archive", "istio",
	"proxy", "sidecar", "version", "kubernetes", "apiVersion:", "kind:", "metadata:", "\n", "  ", "- "}

func generate(dir string, total int64) error {
	r := rand.New(rand.NewPCG(1, 2))
	var written int64
	for i := 0; written < total; i++ {
		size := min(int64(4<<10)<<r.IntN(13), total-written) // 4 KiB … 16 MiB
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%37), fmt.Sprintf("f%05d.dat", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		for n := int64(0); n < size; {
			var chunk []byte
			switch i % 3 {
			case 0: // random: does not compress
				chunk = make([]byte, 4096)
				for j := range chunk {
					chunk[j] = byte(r.Uint32())
				}
			case 1: // text: compresses well
				for len(chunk) < 4096 {
					chunk = append(chunk, words[r.IntN(len(words))]...)
					chunk = append(chunk, ' ')
				}
			default: // mostly zeros, some noise
				chunk = make([]byte, 4096)
				for j := 0; j < 64; j++ {
					chunk[r.IntN(len(chunk))] = byte(r.Uint32())
				}
			}
			chunk = chunk[:min(int64(len(chunk)), size-n)]
			if _, err := w.Write(chunk); err != nil {
				return err
			}
			n += int64(len(chunk))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		written += size
	}
	return nil
}
