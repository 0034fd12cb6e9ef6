package github

import (
	"io"
	"os"

	"github.com/releasekit/releasekit/internal/checksum"
)

// fileSHA256 hashes f and rewinds it for the upload.
func fileSHA256(f *os.File) (string, error) {
	sum, err := checksum.Reader(f)
	if err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return sum, nil
}
