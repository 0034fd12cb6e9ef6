// Command genhistory writes a git fast-import stream of a long history for bench/resolve.sh:
// commits on main, each rewriting one of -files files with pseudo-random bytes (from a fixed seed,
// so every run makes the same repository), and annotated tags v1.<n>.0 spread evenly over it.
//
//	go run ./bench/genhistory -commits 20000 -tags 2000 -mb 300 | git -C repo.git fast-import
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	commits := flag.Int("commits", 20000, "commits on main")
	tags := flag.Int("tags", 2000, "annotated tags")
	mb := flag.Int("mb", 300, "megabytes of file content over the whole history")
	files := flag.Int("files", 1000, "files in the tree (the checkout is about mb*files/commits megabytes)")
	flag.Parse()
	if *commits < 1 || *tags < 0 || *tags > *commits || *mb < 1 || *files < 1 {
		fmt.Fprintln(os.Stderr, "genhistory: want commits >= tags >= 0 and mb >= 1")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	size := *mb << 20 / *commits
	buf := make([]byte, size)
	every := *commits
	if *tags > 0 {
		every = *commits / *tags
	}
	const when = 1704067200 // 2024-01-01T00:00:00Z
	tag := 0
	for i := 1; i <= *commits; i++ {
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		fmt.Fprintf(w, "blob\nmark :%d\ndata %d\n", 2*i, len(buf))
		w.Write(buf)
		msg := fmt.Sprintf("change %d", i)
		fmt.Fprintf(w, "\ncommit refs/heads/main\nmark :%d\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\n", 2*i+1, when+60*i, len(msg), msg)
		if i > 1 {
			fmt.Fprintf(w, "from :%d\n", 2*(i-1)+1)
		}
		fmt.Fprintf(w, "M 100644 :%d data/%04d.bin\n\n", 2*i, i%*files)
		if *tags > 0 && i%every == 0 && tag < *tags {
			name := fmt.Sprintf("v1.%d.0", tag)
			fmt.Fprintf(w, "tag %s\nfrom :%d\ntagger Bench <bench@example.com> %d +0000\ndata 7\nrelease\n", name, 2*i+1, when+60*i)
			tag++
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genhistory:", err)
		os.Exit(1)
	}
}
