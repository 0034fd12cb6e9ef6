package publish

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/checksum"
)

// images are the images of the release's OCI layout; none when it has no layout.
func layoutImages(d *release.Dir) ([]release.Image, error) {
	l, err := d.Layout()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return l.Images, nil
}

// readChecked reads the release file p and checks it has the SHA-256 the release records.
func readChecked(d *release.Dir, p, sha string) ([]byte, error) {
	data, err := d.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if got := checksum.Bytes(data); got != sha {
		return nil, fmt.Errorf("%s: sha256 %s, the release records %s", p, got, sha)
	}
	return data, nil
}
