package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/examples/sample"
	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
	"github.com/releasekit/releasekit/resolve"
	"github.com/releasekit/releasekit/validate"
)

type keychain struct{ a authn.Authenticator }

func (k keychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.a, nil }

// TestSecrets plants a token in the git URL (with a raw @ in the password) and in the
// registry's password, runs the whole pipeline with every log and progress line kept, and
// finds the token in no output file (compressed content included), image label, log, report or
// error.
func TestSecrets(t *testing.T) {
	ctx := t.Context()
	const token = "t0k3n-4c1d-9f"
	password := "p@" + token
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "hello")
	if err := sample.Write(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	url := "https://builder:" + password + "@git.example/hello.git"
	m, err := manifest.Parse(strings.NewReader(strings.ReplaceAll(sample.Manifest(dir), sample.URL, url)), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res, err := resolve.Dependencies(ctx, m, resolve.WithDir(filepath.Join(dir, "work")), resolve.WithMirror(url, src), resolve.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	_, err = artifacts.Build(ctx, res, out, artifacts.WithWorkDir(filepath.Join(dir, "build")), artifacts.WithLogger(logger),
		artifacts.WithProgress(&logs), artifacts.WithPackager(pkg.New()), artifacts.WithLicenseScanner(licenses.New()),
		artifacts.WithChartPackager(chart.New()))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := validate.Release(ctx, out, validate.WithChartRenderer(chart.New()))
	if err != nil {
		t.Fatal(err)
	}
	rep.WriteTo(&logs)
	if !rep.Passed() {
		t.Fatalf("validation:\n%s", logs.String())
	}

	// Publish to a registry that wants the password, and to a bucket.
	reg := registrytest.New(t, registrytest.WithBasicAuth("builder", password))
	bucketDir := filepath.Join(dir, "bucket")
	bucket, err := blob.Open(ctx, "file://"+bucketDir)
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	d, err := release.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	auth := keychain{authn.FromConfig(authn.AuthConfig{Username: "builder", Password: password})}
	images, _ := publish.Images(reg.Host+"/demo", publish.WithKeychain(auth), publish.WithProgress(&logs))
	charts, _ := publish.Charts("oci://"+reg.Host+"/charts", publish.WithKeychain(auth))
	files, _ := publish.Files(bucket, "hello")
	p, err := publish.New(d, []publish.Target{images, charts, files}, publish.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := p.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan.WriteTo(&logs)
	if err := p.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	json, _ := plan.Report().JSON()
	logs.Write(json)
	// A wrong password fails with an error that names neither it nor the right one.
	wrong := keychain{authn.FromConfig(authn.AuthConfig{Username: "builder", Password: password + "x"})}
	bad, _ := publish.Images(reg.Host+"/demo", publish.WithKeychain(wrong))
	pb, _ := publish.New(d, []publish.Target{bad})
	if _, err := pb.Plan(ctx); err == nil {
		t.Error("a wrong password planned")
	} else {
		logs.WriteString(err.Error())
	}
	// A resolve error names the URL.
	_, err = resolve.Dependencies(ctx, m, resolve.WithDir(filepath.Join(dir, "offline")), resolve.WithOffline(true))
	if err == nil {
		t.Error("an offline resolve with no cache succeeded")
	} else {
		logs.WriteString(err.Error())
	}

	if bytes.Contains(logs.Bytes(), []byte(token)) {
		t.Errorf("the token is in the logs, reports or errors:\n%s", logs.String())
	}
	for _, root := range []string{out, bucketDir} {
		filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if where := find(data, []byte(token)); where != "" {
				rel, _ := filepath.Rel(dir, p)
				t.Errorf("the token is in %s (%s)", rel, where)
			}
			return nil
		})
	}
	// The image's labels, as the registry serves them.
	cfg, err := crane.Config(reg.Host+"/demo/hello:0.1.0", crane.WithAuth(auth.a), crane.WithPlatform(&v1.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(cfg, []byte(token)) || !bytes.Contains(cfg, []byte(`"org.opencontainers.image.source":"https://git.example/hello.git"`)) {
		t.Errorf("the pushed image config: %s", cfg)
	}
}

// find reports where needle is in data: in its bytes, or in a gzip stream that starts anywhere
// in it (a .tar.gz, a deb's data.tar.gz, an image layer).
func find(data, needle []byte) string {
	if bytes.Contains(data, needle) {
		return "raw"
	}
	for i := 0; i+3 < len(data); i++ {
		if data[i] != 0x1f || data[i+1] != 0x8b || data[i+2] != 8 {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(data[i:]))
		if err != nil {
			continue
		}
		zr.Multistream(false)
		inner, _ := io.ReadAll(io.LimitReader(zr, 256<<20))
		if bytes.Contains(inner, needle) {
			return "gzip stream at byte " + strconv.Itoa(i)
		}
	}
	return ""
}
