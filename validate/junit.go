package validate

import (
	"encoding/xml"
	"github.com/releasekit/releasekit/internal/atomicfile"
	"io"
	"strings"
)

// The JUnit XML shape Prow, Jenkins and GitLab read: one test suite, a test case per check.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	// SystemOut carries the check's notes.
	SystemOut string `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML, a test case per check in suite "release
// validation", for CI systems that collect junit_*.xml files (Prow's $ARTIFACTS).
func (r *Report) WriteJUnit(w io.Writer) error {
	s := junitSuite{Name: "release validation", Tests: len(r.Results)}
	for _, x := range r.Results {
		c := junitCase{Name: x.Check, ClassName: "releasekit.validate", SystemOut: strings.Join(x.Notes, "\n")}
		switch x.Status {
		case Failed:
			s.Failures++
			c.Failure = &junitMessage{Message: x.Problems[0], Text: strings.Join(x.Problems, "\n")}
		case Skipped:
			s.Skipped++
			c.Skipped = &junitMessage{Message: x.Reason}
		}
		s.Cases = append(s.Cases, c)
	}
	out, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{s}}, "", "  ")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// WriteJUnitFile writes the report as JUnit XML to path, through a temporary file and a rename:
// a failure leaves no partial file.
func (r *Report) WriteJUnitFile(path string) error {
	return atomicfile.Write(path, 0o644, r.WriteJUnit)
}
