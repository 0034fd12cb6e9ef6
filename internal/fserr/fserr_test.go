package fserr_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/internal/fserr"
)

func TestUnwrap(t *testing.T) {
	_, err := os.Open("/nonexistent/host/path/x")
	got := fserr.Unwrap(err)
	if !errors.Is(got, fs.ErrNotExist) || strings.Contains(got.Error(), "/nonexistent") {
		t.Errorf("Unwrap = %v", got)
	}
	other := errors.New("other")
	if fserr.Unwrap(other) != other {
		t.Error("an error that is no path error changed")
	}
}

func ExampleUnwrap() {
	_, err := os.Open("/nonexistent/host/path/x")
	fmt.Println(err)
	fmt.Println(fserr.Unwrap(err))
	// Output:
	// open /nonexistent/host/path/x: no such file or directory
	// no such file or directory
}
