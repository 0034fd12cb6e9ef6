package release

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSums(t *testing.T) {
	a, b := strings.Repeat("a", 64), strings.Repeat("b", 64)
	got, err := ParseSums(strings.NewReader(a + "  x.tar.gz\n" + b + " *deb/y.deb\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Sum{{"x.tar.gz", a}, {"deb/y.deb", b}}, got); diff != "" {
		t.Errorf("sums (-want +got):\n%s", diff)
	}
	_, err = ParseSums(strings.NewReader(a + "  ../x\nzz  y\n" + a + "  z\n" + b + "  z\n"))
	want := `SHA256SUMS:1: "` + a + `  ../x" is not "<sha256>  <path>"
SHA256SUMS:2: "zz  y" is not "<sha256>  <path>"
SHA256SUMS:4: z is listed twice`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}
