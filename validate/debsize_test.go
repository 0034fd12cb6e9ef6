package validate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestDebNegativeSize: an ar member whose size field is negative is a problem, not a panic on
// the member's first read.
func TestDebNegativeSize(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	fmt.Fprintf(&b, "%-16s%-12s%-6s%-6s%-8s%-10s`\n", "control.tar", "0", "0", "0", "100644", "-5")
	b.WriteString("xxxxxxxx")
	_, err := readDebFrom(&b)
	if err == nil || !strings.Contains(err.Error(), "negative size") {
		t.Errorf("%v", err)
	}
}
