package provenance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// PredicateType is SLSA Provenance v1's predicate type.
const PredicateType = "https://slsa.dev/provenance/v1"

// BuildType names how a release is built: from a resolved manifest, whose build spec is in
// the external parameters.
const BuildType = "https://github.com/releasekit/releasekit/provenance/release@v1"

// Subject is an output: a file of the release by path, or an image by reference.
type Subject struct {
	Name string
	// Digest maps an algorithm ("sha256") to the hex digest.
	Digest map[string]string
}

// Dependency is a resolved input: a source at a commit, a base image, the toolchain, a module.
type Dependency struct {
	Name, URI string
	Digest    map[string]string
}

// Build is what the provenance records.
type Build struct {
	// BuilderID identifies the builder (a CI job, a machine role): the caller's.
	BuilderID string
	Subjects  []Subject
	// Dependencies are recorded in the order given.
	Dependencies []Dependency
	// Parameters are the build's external parameters, such as the resolved manifest as a
	// JSON-compatible value.
	Parameters map[string]any
}

// Marshal returns the provenance statement as canonical JSON. Subjects are sorted by name.
func Marshal(b Build) ([]byte, error) {
	if b.BuilderID == "" {
		return nil, errors.New("provenance: no builder id")
	}
	params, err := structpb.NewStruct(b.Parameters)
	if err != nil {
		return nil, fmt.Errorf("provenance: parameters: %w", err)
	}
	pred := &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{BuildType: BuildType, ExternalParameters: params},
		RunDetails:      &slsa.RunDetails{Builder: &slsa.Builder{Id: b.BuilderID}},
	}
	for _, d := range b.Dependencies {
		pred.BuildDefinition.ResolvedDependencies = append(pred.BuildDefinition.ResolvedDependencies,
			&intoto.ResourceDescriptor{Name: d.Name, Uri: d.URI, Digest: d.Digest})
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	predStruct, err := toStruct(pred)
	if err != nil {
		return nil, err
	}
	st := &intoto.Statement{Type: intoto.StatementTypeUri, PredicateType: PredicateType, Predicate: predStruct}
	subjects := slices.SortedFunc(slices.Values(b.Subjects), func(x, y Subject) int { return strings.Compare(x.Name, y.Name) })
	for _, s := range subjects {
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{Name: s.Name, Digest: s.Digest})
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	return canonical(st)
}

// toStruct turns a message into the Struct a statement's predicate is.
func toStruct(m proto.Message) (*structpb.Struct, error) {
	data, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(data, s); err != nil {
		return nil, err
	}
	return s, nil
}

// canonical is m as JSON with sorted keys and two-space indentation. protojson's own output
// varies its white space on purpose, so it is decoded and encoded again.
func canonical(m proto.Message) ([]byte, error) {
	data, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// MaxSize bounds what Read reads.
const MaxSize = 64 << 20

// Statement is a provenance statement as read back.
type Statement struct {
	Subjects     []Subject
	BuilderID    string
	BuildType    string
	Dependencies []Dependency
}

// Read parses and validates a provenance statement of at most MaxSize bytes.
func Read(r io.Reader) (*Statement, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("provenance larger than %d bytes", MaxSize)
	}
	st := &intoto.Statement{}
	if err := protojson.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	if st.GetPredicateType() != PredicateType {
		return nil, fmt.Errorf("provenance: predicate type %q, want %s", st.GetPredicateType(), PredicateType)
	}
	pdata, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, err
	}
	pred := &slsa.Provenance{}
	if err := protojson.Unmarshal(pdata, pred); err != nil {
		return nil, fmt.Errorf("provenance: predicate: %w", err)
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	out := &Statement{BuilderID: pred.GetRunDetails().GetBuilder().GetId(), BuildType: pred.GetBuildDefinition().GetBuildType()}
	for _, s := range st.GetSubject() {
		out.Subjects = append(out.Subjects, Subject{Name: s.GetName(), Digest: s.GetDigest()})
	}
	for _, d := range pred.GetBuildDefinition().GetResolvedDependencies() {
		out.Dependencies = append(out.Dependencies, Dependency{Name: d.GetName(), URI: d.GetUri(), Digest: d.GetDigest()})
	}
	return out, nil
}
