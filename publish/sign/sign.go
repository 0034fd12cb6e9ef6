package sign

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/payload"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
)

// Media types and annotations of cosign's tag scheme.
const (
	simpleSigningType  = "application/vnd.dev.cosign.simplesigning.v1+json"
	dsseType           = "application/vnd.dsse.envelope.v1+json"
	signatureAnno      = "dev.cosignproject.cosign/signature"
	predicateTypeAnno  = "predicateType"
	inTotoPayloadType  = "application/vnd.in-toto+json"
	statementType      = "https://in-toto.io/Statement/v1"
	spdxPredicateType  = "https://spdx.dev/Document"
	provenanceFileType = "https://slsa.dev/provenance/v1"
)

// maxBlob bounds a signature or attestation layer read back from a registry.
const maxBlob = 64 << 20

// LoadKey reads a private key in cosign's format (cosign generate-key-pair's cosign.key: an
// ECDSA P-256 key encrypted with scrypt and secretbox under password), or an unencrypted PEM
// key, and returns its signer. The password is cosign's COSIGN_PASSWORD, read by the caller.
func LoadKey(pemData, password []byte) (signature.SignerVerifier, error) {
	key, err := cryptoutils.UnmarshalPEMToPrivateKey(pemData, func(bool) ([]byte, error) { return password, nil })
	if err != nil {
		return nil, fmt.Errorf("sign: load key: %w", err)
	}
	sv, err := signature.LoadSignerVerifier(key, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: load key: %w", err)
	}
	return sv, nil
}

// Option configures the signing target.
type Option func(*target) error

// WithKeychain authenticates to the registry. Default: anonymous.
func WithKeychain(k authn.Keychain) Option {
	return func(t *target) error {
		if k == nil {
			return errors.New("WithKeychain: nil")
		}
		t.keychain = k
		return nil
	}
}

// WithTransport sets the HTTP transport. Default: remote.DefaultTransport.
func WithTransport(rt http.RoundTripper) Option {
	return func(t *target) error {
		if rt == nil {
			return errors.New("WithTransport: nil")
		}
		t.rt = rt
		return nil
	}
}

// WithoutAttestations signs the images but attaches no provenance or SBOM. Default: both are
// attached when the release has them.
func WithoutAttestations() Option {
	return func(t *target) error { t.attest = false; return nil }
}

type target struct {
	name     string
	hub      string
	subjects func(t *target, d *release.Dir) ([]subject, error)
	sv       signature.SignerVerifier
	keychain authn.Keychain
	rt       http.RoundTripper
	attest   bool
}

// subject is a pushed object to sign: its digest reference and, when it has one, its SBOM.
type subject struct {
	ref  name.Digest
	sbom string
}

// Images returns the target that signs the release's images where publish.Images(hub) pushes
// them (<hub>/<name>), by digest, with sv (from LoadKey, or a KMS signer): a simple-signing
// payload under the sha256-<hex>.sig tag, and the release's provenance and the image's SBOM
// as in-toto attestations in DSSE envelopes under sha256-<hex>.att, where `cosign verify --key`
// and `cosign verify-attestation --key` find them. Signing is offline: no transparency log, no
// certificate, no keyless signing. ECDSA signatures differ on every run, so a signature or
// attestation counts as present when one there verifies with sv's key (and an attestation also
// carries the same statement): a second run signs nothing.
func Images(hub string, sv signature.SignerVerifier, opts ...Option) (publish.Target, error) {
	return newTarget("signatures", hub, imageSubjects, sv, opts)
}

// Charts returns the target that signs the release's charts where publish.Charts(hub) pushes
// them, as Images signs images, with the provenance attached (a chart has no SBOM).
func Charts(hub string, sv signature.SignerVerifier, opts ...Option) (publish.Target, error) {
	return newTarget("chart signatures", strings.TrimPrefix(hub, "oci://"), chartSubjects, sv, opts)
}

func newTarget(kind, hub string, subjects func(*target, *release.Dir) ([]subject, error), sv signature.SignerVerifier, opts []Option) (publish.Target, error) {
	if sv == nil {
		return nil, errors.New("sign: nil signer")
	}
	if _, err := name.NewRepository(strings.TrimSuffix(hub, "/") + "/x"); err != nil || hub == "" {
		return nil, fmt.Errorf("sign: hub %q is not a registry path", hub)
	}
	t := &target{name: kind, hub: strings.TrimSuffix(hub, "/"), subjects: subjects, sv: sv,
		keychain: authn.NewMultiKeychain(), rt: remote.DefaultTransport, attest: true}
	for _, o := range opts {
		if err := o(t); err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
	}
	return t, nil
}

func (t *target) Name() string { return t.name }

func (t *target) remote(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(t.keychain), remote.WithTransport(t.rt)}
}

func imageSubjects(t *target, d *release.Dir) ([]subject, error) {
	l, err := d.Layout()
	if err != nil {
		return nil, err
	}
	var out []subject
	for _, img := range l.Images {
		repo, err := name.NewRepository(t.hub + "/" + img.Name(d.Manifest.Docker))
		if err != nil {
			return nil, err
		}
		s := subject{ref: repo.Digest(img.Digest().String())}
		s.sbom, _ = release.ImageSBOMFor(d.Manifest, img.Ref)
		out = append(out, s)
	}
	return out, nil
}

func chartSubjects(t *target, d *release.Dir) ([]subject, error) {
	refs, err := publish.ChartRefs(t.hub, d)
	if err != nil {
		return nil, err
	}
	out := make([]subject, len(refs))
	for i, r := range refs {
		out[i] = subject{ref: r.Tag.Context().Digest(r.Digest.String())}
	}
	return out, nil
}

// item is one signature or attestation to attach to one object.
type item struct {
	kind    publish.Kind // KindSignature or KindAttestation
	image   name.Digest
	tag     name.Tag
	payload []byte // the simple-signing payload, or the in-toto statement
	pred    string // an attestation's predicate type
}

// detail names the item in a plan's action.
func (it item) detail() string {
	if it.pred != "" {
		return it.pred + " of " + it.image.String()
	}
	return "signs " + it.image.String()
}

// items lists what the release's subjects need: a signature each and, unless turned off, the
// provenance and the subject's SBOM as attestations.
func (t *target) items(d *release.Dir) ([]item, error) {
	subjects, err := t.subjects(t, d)
	if err != nil {
		return nil, err
	}
	var prov map[string]any
	if t.attest && len(d.Artifacts("provenance")) > 0 {
		if prov, err = readJSON(d, release.ProvenanceFile); err != nil {
			return nil, err
		}
	}
	var out []item
	for _, s := range subjects {
		dig := s.ref
		h, err := v1.NewHash(dig.DigestStr())
		if err != nil {
			return nil, err
		}
		sigPayload, err := json.Marshal(payload.Cosign{Image: dig}.SimpleContainerImage())
		if err != nil {
			return nil, err
		}
		out = append(out, item{kind: publish.KindSignature, image: dig, tag: dig.Context().Tag(tagFor(h, "sig")), payload: sigPayload})
		if !t.attest {
			continue
		}
		att := dig.Context().Tag(tagFor(h, "att"))
		attach := func(pred string, predicate any) error {
			st, err := statement(dig, pred, predicate)
			if err == nil {
				out = append(out, item{kind: publish.KindAttestation, image: dig, tag: att, payload: st, pred: pred})
			}
			return err
		}
		if prov != nil {
			if err := attach(provenanceFileType, prov["predicate"]); err != nil {
				return nil, err
			}
		}
		if s.sbom != "" {
			doc, err := readJSON(d, s.sbom)
			if err != nil {
				return nil, err
			}
			if err := attach(spdxPredicateType, doc); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// tagFor is cosign's tag for what is attached to an image: sha256-<hex>.<suffix>.
func tagFor(h v1.Hash, suffix string) string { return h.Algorithm + "-" + h.Hex + "." + suffix }

func readJSON(d *release.Dir, rel string) (map[string]any, error) {
	data, err := d.ReadFile(rel)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return v, nil
}

// statement is an in-toto statement about one image, as canonical JSON (sorted keys), so that
// the same release gives the same statement.
func statement(image name.Digest, predicateType string, predicate any) ([]byte, error) {
	alg, hex, _ := strings.Cut(image.DigestStr(), ":")
	return json.Marshal(map[string]any{
		"_type":         statementType,
		"subject":       []any{map[string]any{"name": image.Context().Name(), "digest": map[string]string{alg: hex}}},
		"predicateType": predicateType,
		"predicate":     predicate,
	})
}

func (t *target) Plan(ctx context.Context, d *release.Dir) ([]publish.Action, error) {
	items, err := t.items(d)
	if err != nil {
		return nil, err
	}
	attached := map[string][]attachedLayer{}
	var actions []publish.Action
	for _, it := range items {
		key := it.tag.String()
		layers, ok := attached[key]
		if !ok {
			if layers, err = t.read(ctx, it.tag); err != nil {
				return nil, err
			}
			attached[key] = layers
		}
		a := publish.Action{Kind: it.kind, Object: it.tag.String(), Op: publish.Push, Digest: it.image.DigestStr(), Detail: it.detail()}
		if t.present(it, layers) {
			a.Op = publish.Skip
		}
		actions = append(actions, a)
	}
	return actions, nil
}

// attachedLayer is a signature or an attestation found under a tag.
type attachedLayer struct {
	mediaType   types.MediaType
	annotations map[string]string
	blob        []byte
}

// read returns the layers of the image under tag; none when there is no such tag.
func (t *target) read(ctx context.Context, tag name.Tag) ([]attachedLayer, error) {
	img, err := remote.Image(tag, t.remote(ctx)...)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", tag, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	var out []attachedLayer
	for _, desc := range m.Layers {
		if desc.Size > maxBlob {
			return nil, fmt.Errorf("read %s: a layer of %d bytes", tag, desc.Size)
		}
		l, err := img.LayerByDigest(desc.Digest)
		if err != nil {
			return nil, err
		}
		rc, err := l.Compressed()
		if err != nil {
			return nil, err
		}
		blob, err := io.ReadAll(io.LimitReader(rc, maxBlob))
		rc.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, attachedLayer{mediaType: desc.MediaType, annotations: desc.Annotations, blob: blob})
	}
	return out, nil
}

// present reports whether one of layers already is it: signed by this key and, for an
// attestation, with the same statement.
func (t *target) present(it item, layers []attachedLayer) bool {
	for _, l := range layers {
		switch {
		case it.kind == publish.KindSignature && l.mediaType == simpleSigningType:
			sig, err := base64.StdEncoding.DecodeString(l.annotations[signatureAnno])
			if err == nil && bytes.Equal(l.blob, it.payload) && t.sv.VerifySignature(bytes.NewReader(sig), bytes.NewReader(l.blob)) == nil {
				return true
			}
		case it.kind == publish.KindAttestation && l.mediaType == dsseType && l.annotations[predicateTypeAnno] == it.pred:
			if t.verifiesEnvelope(l.blob, it.payload) {
				return true
			}
		}
	}
	return false
}

// verifiesEnvelope reports whether the DSSE envelope blob carries payload, signed by this key.
func (t *target) verifiesEnvelope(blob, want []byte) bool {
	var env dsse.Envelope
	if err := json.Unmarshal(blob, &env); err != nil || env.PayloadType != inTotoPayloadType {
		return false
	}
	got, err := env.DecodeB64Payload()
	if err != nil || !bytes.Equal(got, want) {
		return false
	}
	pae := dsse.PAE(env.PayloadType, got)
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err == nil && t.sv.VerifySignature(bytes.NewReader(sig), bytes.NewReader(pae)) == nil {
			return true
		}
	}
	return false
}

func (t *target) Apply(ctx context.Context, d *release.Dir, push []publish.Action) error {
	items, err := t.items(d)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, a := range push {
		want[string(a.Kind)+" "+a.Object+" "+a.Detail] = true
	}
	// What each tag gets, in the order planned.
	var tags []name.Tag
	adds := map[string][]mutate.Addendum{}
	for _, it := range items {
		if !want[string(it.kind)+" "+it.tag.String()+" "+it.detail()] {
			continue
		}
		if _, err := remote.Head(it.image, t.remote(ctx)...); err != nil {
			return fmt.Errorf("sign %s: not in the registry (publish it first): %w", it.image, err)
		}
		add, err := t.layer(it)
		if err != nil {
			return err
		}
		key := it.tag.String()
		if _, ok := adds[key]; !ok {
			tags = append(tags, it.tag)
		}
		adds[key] = append(adds[key], add)
	}
	for _, tag := range tags {
		if err := t.attach(ctx, tag, adds[tag.String()]); err != nil {
			return err
		}
	}
	return nil
}

// layer signs an item: the payload with its signature annotation, or a DSSE envelope.
func (t *target) layer(it item) (mutate.Addendum, error) {
	if it.kind == publish.KindSignature {
		sig, err := t.sv.SignMessage(bytes.NewReader(it.payload))
		if err != nil {
			return mutate.Addendum{}, fmt.Errorf("sign %s: %w", it.image, err)
		}
		return mutate.Addendum{Layer: static.NewLayer(it.payload, simpleSigningType),
			Annotations: map[string]string{signatureAnno: base64.StdEncoding.EncodeToString(sig)}}, nil
	}
	sig, err := t.sv.SignMessage(bytes.NewReader(dsse.PAE(inTotoPayloadType, it.payload)))
	if err != nil {
		return mutate.Addendum{}, fmt.Errorf("attest %s: %w", it.image, err)
	}
	env, err := json.Marshal(dsse.Envelope{PayloadType: inTotoPayloadType, Payload: base64.StdEncoding.EncodeToString(it.payload),
		Signatures: []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}}})
	if err != nil {
		return mutate.Addendum{}, err
	}
	// cosign reads every attached layer's signature annotation; an envelope holds its own.
	return mutate.Addendum{Layer: static.NewLayer(env, dsseType), Annotations: map[string]string{predicateTypeAnno: it.pred, signatureAnno: ""}}, nil
}

// attach appends layers to the image under tag (a new one if there is none), keeping what is
// there: other keys' signatures stay.
func (t *target) attach(ctx context.Context, tag name.Tag, adds []mutate.Addendum) error {
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	if img, err := remote.Image(tag, t.remote(ctx)...); err == nil {
		base = img
	} else {
		var te *transport.Error
		if !errors.As(err, &te) || te.StatusCode != http.StatusNotFound {
			return fmt.Errorf("read %s: %w", tag, err)
		}
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return err
	}
	if err := remote.Write(tag, img, t.remote(ctx)...); err != nil {
		return fmt.Errorf("write %s: %w", tag, err)
	}
	return nil
}
