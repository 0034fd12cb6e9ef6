package release

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/releasekit/releasekit/internal/archive"
)

// Sum is one line of SumsFile: a file of the release and its hex SHA-256.
type Sum struct {
	Path   string
	SHA256 string
}

// ParseSums reads SumsFile's format, sha256sum's: "<sha256>  <path>" per line, paths relative
// and slash-separated. Every malformed or repeated line is reported, with its line number.
func ParseSums(r io.Reader) ([]Sum, error) {
	var out []Sum
	var errs []error
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		// "<sum>  <path>", or "<sum> *<path>" in sha256sum's binary mode.
		sum, p, ok := strings.Cut(line, " ")
		if ok && (strings.HasPrefix(p, " ") || strings.HasPrefix(p, "*")) {
			p = p[1:]
		} else {
			ok = false
		}
		if _, err := hex.DecodeString(sum); !ok || err != nil || len(sum) != 64 || archive.CheckName(p) != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %q is not \"<sha256>  <path>\"", SumsFile, n, line))
			continue
		}
		if seen[p] {
			errs = append(errs, fmt.Errorf("%s:%d: %s is listed twice", SumsFile, n, p))
			continue
		}
		seen[p] = true
		out = append(out, Sum{Path: p, SHA256: sum})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", SumsFile, err))
	}
	return out, errors.Join(errs...)
}

// FormatSums writes sums in SumsFile's format, in the order given.
func FormatSums(sums []Sum) []byte {
	var b strings.Builder
	for _, s := range sums {
		b.WriteString(s.SHA256 + "  " + s.Path + "\n")
	}
	return []byte(b.String())
}
