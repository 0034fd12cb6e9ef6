package archive_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/releasekit/releasekit/internal/archive"
)

func ExampleWrite() {
	var b bytes.Buffer
	entries := []archive.Entry{
		{Name: "hello/bin/hello", Data: []byte("#!/bin/sh\necho hello\n"), Mode: 0o755},
		{Name: "hello/README.md", Data: []byte("# hello\n")},
	}
	if err := archive.Write(&b, archive.TarGz, entries, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)); err != nil {
		panic(err)
	}
	list, err := archive.List(bytes.NewReader(b.Bytes()), int64(b.Len()), archive.TarGz)
	if err != nil {
		panic(err)
	}
	for _, e := range list {
		fmt.Println(e.Mode, e.Name)
	}
	// Output:
	// drwxr-xr-x hello
	// -rw-r--r-- hello/README.md
	// drwxr-xr-x hello/bin
	// -rwxr-xr-x hello/bin/hello
}
