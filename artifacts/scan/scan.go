package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxReport bounds a report.
const MaxReport = 64 << 20

// Severities, least first, as the scanners name them (case aside).
var Severities = []string{"negligible", "low", "medium", "high", "critical"}

// Rank is a severity's place in Severities, or -1 for "unknown" and anything else.
func Rank(severity string) int {
	return slices.Index(Severities, strings.ToLower(severity))
}

// Finding is one vulnerability a scanner reports.
type Finding struct {
	ID       string
	Severity string
	// Package is the affected package, where the report says.
	Package string
}

// Findings reads a trivy report (Results[].Vulnerabilities[]) or a grype report (matches[]).
// A report of neither shape is an error: its severities cannot be known.
func Findings(data []byte) ([]Finding, error) {
	if len(data) > MaxReport {
		return nil, fmt.Errorf("report larger than %d bytes", MaxReport)
	}
	var r struct {
		Results *[]struct {
			Vulnerabilities []struct {
				VulnerabilityID string
				PkgName         string
				Severity        string
			}
		}
		Matches *[]struct {
			Vulnerability struct {
				ID       string `json:"id"`
				Severity string `json:"severity"`
			} `json:"vulnerability"`
			Artifact struct {
				Name string `json:"name"`
			} `json:"artifact"`
		} `json:"matches"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("report is not a JSON object: %w", err)
	}
	var out []Finding
	switch {
	case r.Results != nil:
		for _, res := range *r.Results {
			for _, v := range res.Vulnerabilities {
				out = append(out, Finding{ID: v.VulnerabilityID, Severity: v.Severity, Package: v.PkgName})
			}
		}
	case r.Matches != nil:
		for _, m := range *r.Matches {
			out = append(out, Finding{ID: m.Vulnerability.ID, Severity: m.Vulnerability.Severity, Package: m.Artifact.Name})
		}
	default:
		return nil, errors.New("report is neither trivy's (Results) nor grype's (matches)")
	}
	return out, nil
}

// AtLeast returns the findings of severity min or above, and the count of findings whose
// severity is unknown (which min cannot rule out).
func AtLeast(findings []Finding, min string) (hits []Finding, unknown int) {
	floor := Rank(min)
	for _, f := range findings {
		switch r := Rank(f.Severity); {
		case r < 0:
			unknown++
		case r >= floor:
			hits = append(hits, f)
		}
	}
	return hits, unknown
}
