package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"text/template"

	gh "github.com/google/go-github/v92/github"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
)

// Option configures the GitHub target; an invalid value makes [New] fail.
type Option func(*target) error

// WithDraft creates the release as a draft. Default: published.
func WithDraft() Option { return func(r *target) error { r.draft = true; return nil } }

// WithPrerelease marks the release as a pre-release. Default: a full release.
func WithPrerelease() Option { return func(r *target) error { r.prerelease = true; return nil } }

// WithTag names the release's tag. Default: the release version.
func WithTag(tag string) Option {
	return func(r *target) error {
		if tag == "" || strings.ContainsAny(tag, " \t\n~^:?*[\\") {
			return fmt.Errorf("WithTag: %q is not a tag name", tag)
		}
		r.tag = tag
		return nil
	}
}

// WithCommitish is where GitHub creates the tag if it does not exist yet (a branch or SHA).
// Default: the repository's default branch.
func WithCommitish(c string) Option {
	return func(r *target) error {
		if c == "" {
			return errors.New("WithCommitish: empty")
		}
		r.commitish = c
		return nil
	}
}

// WithChecksumsName names the asset that lists the assets' SHA-256 with a text/template of
// .Name (the repository's name), .Version (the release's) and .Tag, e.g. goreleaser's
// "{{.Name}}_{{.Version}}_checksums.txt". Default: SHA256SUMS.
func WithChecksumsName(tmpl string) Option {
	return func(r *target) error {
		t, err := template.New("checksums").Option("missingkey=error").Parse(tmpl)
		if err != nil {
			return fmt.Errorf("WithChecksumsName: %w", err)
		}
		r.checksums = t
		return nil
	}
}

// WithNotes sets the release's notes (its body), e.g. from [notes.FromGit] or a file. A
// release that exists with other notes is refused, as an asset with other content is.
// Default: no notes, and an existing release's are left as they are.
//
// [notes.FromGit]: https://pkg.go.dev/github.com/releasekit/releasekit/publish/notes#FromGit
func WithNotes(body string) Option {
	return func(r *target) error {
		if body == "" {
			return errors.New("WithNotes: empty")
		}
		if len(body) > maxBody {
			return fmt.Errorf("WithNotes: %d bytes, more than GitHub's %d", len(body), maxBody)
		}
		r.notes = body
		return nil
	}
}

// maxBody is GitHub's limit for a release body, in characters (counted here in bytes).
const maxBody = 125_000

type target struct {
	client            *gh.Client
	owner, repo       string
	tag, commitish    string
	draft, prerelease bool
	checksums         *template.Template
	notes             string
}

// assetName is the name of the release file's asset: its base name, or for SHA256SUMS the
// checksums name.
func (r *target) assetName(d *release.Dir, file string) (string, error) {
	if file != release.SumsFile || r.checksums == nil {
		return path.Base(file), nil
	}
	var b strings.Builder
	data := struct{ Name, Version, Tag string }{r.repo, d.Manifest.Version, r.tagOf(d)}
	if err := r.checksums.Execute(&b, data); err != nil {
		return "", fmt.Errorf("checksums name: %w", err)
	}
	name := b.String()
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return "", fmt.Errorf("checksums name %q is not a file name", name)
	}
	return name, nil
}

// New returns the target that publishes to the GitHub repository "owner/name": a release for
// the tag, with every top-level file of the release directory (archives, their .sha256 files,
// sources.tar.gz, SHA256SUMS) as an asset. An asset that exists with other content is
// refused, never replaced.
func New(client *gh.Client, repository string, opts ...Option) (publish.Target, error) {
	owner, repo, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("github: repository %q: want owner/name", repository)
	}
	if client == nil {
		return nil, errors.New("github: nil client")
	}
	r := &target{client: client, owner: owner, repo: repo}
	for _, o := range opts {
		if err := o(r); err != nil {
			return nil, fmt.Errorf("github: %w", err)
		}
	}
	return r, nil
}

func (r *target) Name() string { return "github" }

func (r *target) tagOf(d *release.Dir) string {
	if r.tag != "" {
		return r.tag
	}
	return d.Manifest.Version
}

// assets are the release's top-level files, the manifest excepted.
// With them goes a SHA256SUMS that lists exactly the assets, so that sha256sum -c passes in a
// folder of the downloads; it is returned too.
func assets(d *release.Dir) ([]release.File, []byte, error) {
	return d.Subset(func(rel string) bool { return !strings.Contains(rel, "/") && rel != release.ManifestFile })
}

func isStatus(err error, code int) bool {
	var e *gh.ErrorResponse
	return errors.As(err, &e) && e.Response != nil && e.Response.StatusCode == code
}

// find returns the release for tag, drafts included (GitHub finds drafts only by listing).
func (r *target) find(ctx context.Context, tag string) (*gh.RepositoryRelease, error) {
	rel, _, err := r.client.Repositories.GetReleaseByTag(ctx, r.owner, r.repo, tag)
	if err == nil {
		return rel, nil
	}
	if !isStatus(err, http.StatusNotFound) {
		return nil, err
	}
	opts := &gh.ListOptions{PerPage: 100}
	for {
		list, resp, err := r.client.Repositories.ListReleases(ctx, r.owner, r.repo, opts)
		if err != nil {
			return nil, err
		}
		for _, rel := range list {
			if rel.GetTagName() == tag {
				return rel, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

func (r *target) listAssets(ctx context.Context, id int64) (map[string]*gh.ReleaseAsset, error) {
	out := map[string]*gh.ReleaseAsset{}
	opts := &gh.ListOptions{PerPage: 100}
	for {
		list, resp, err := r.client.Repositories.ListReleaseAssets(ctx, r.owner, r.repo, id, opts)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			out[a.GetName()] = a
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// same reports whether an existing asset is the file: by digest where GitHub gives one, by
// size otherwise.
func same(a *gh.ReleaseAsset, f release.File) (bool, string) {
	if d := a.GetDigest(); d != "" {
		return d == "sha256:"+f.SHA256, "has " + d
	}
	return int64(a.GetSize()) == f.Size, fmt.Sprintf("has %d bytes, release has %d", a.GetSize(), f.Size)
}

func (r *target) Plan(ctx context.Context, d *release.Dir) ([]publish.Action, error) {
	files, _, err := assets(d)
	if err != nil {
		return nil, err
	}
	tag := r.tagOf(d)
	base := fmt.Sprintf("github.com/%s/%s/releases/%s", r.owner, r.repo, tag)
	existing, err := r.find(ctx, tag)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", base, err)
	}
	actions := []publish.Action{{Kind: publish.KindRelease, Object: base, Op: publish.Push, Digest: tag}}
	have := map[string]*gh.ReleaseAsset{}
	if existing != nil {
		actions[0].Op = publish.Skip
		if r.notes != "" && existing.GetBody() != r.notes {
			actions[0].Op, actions[0].Detail = publish.Refuse, fmt.Sprintf("has other notes (%d bytes, release has %d)", len(existing.GetBody()), len(r.notes))
		}
		if have, err = r.listAssets(ctx, existing.GetID()); err != nil {
			return nil, fmt.Errorf("release %s: %w", base, err)
		}
	}
	names := map[string]string{}
	for _, f := range files {
		name, err := r.assetName(d, f.Path)
		if err != nil {
			return nil, err
		}
		if other, ok := names[name]; ok {
			return nil, fmt.Errorf("assets %s and %s are both named %s", other, f.Path, name)
		}
		names[name] = f.Path
		a := publish.Action{Kind: publish.KindAsset, Object: base + "/" + name, Digest: f.SHA256, Source: f.Path, Op: publish.Push}
		if got, ok := have[name]; ok {
			if same, detail := same(got, f); same {
				a.Op = publish.Skip
			} else {
				a.Op, a.Detail = publish.Refuse, detail
			}
		}
		actions = append(actions, a)
	}
	return actions, nil
}

func (r *target) Apply(ctx context.Context, d *release.Dir, push []publish.Action) error {
	all, sums, err := assets(d)
	if err != nil {
		return err
	}
	tag := r.tagOf(d)
	existing, err := r.find(ctx, tag)
	if err != nil {
		return err
	}
	if existing == nil {
		req := gh.CreateReleaseRequest{TagName: tag, Name: new(tag), Draft: new(r.draft), Prerelease: new(r.prerelease)}
		if r.notes != "" {
			req.Body = new(r.notes)
		}
		if r.commitish != "" {
			req.TargetCommitish = new(r.commitish)
		}
		existing, _, err = r.client.Repositories.CreateRelease(ctx, r.owner, r.repo, req)
		if isStatus(err, http.StatusUnprocessableEntity) {
			// Created meanwhile (GitHub answers 422 already_exists): use it.
			existing, err = r.find(ctx, tag)
			if err == nil && existing == nil {
				err = fmt.Errorf("release %s: GitHub says it exists but cannot find it", tag)
			}
		}
		if err != nil {
			return fmt.Errorf("create release %s: %w", tag, err)
		}
	}
	if r.notes != "" && existing.GetBody() != r.notes {
		return fmt.Errorf("release %s: %w: has other notes", tag, publish.ErrExists)
	}
	files := map[string]release.File{}
	for _, f := range all {
		files[f.Path] = f
	}
	for _, a := range push {
		if a.Kind != publish.KindAsset {
			continue
		}
		if err := r.upload(ctx, d, existing.GetID(), files[a.Source], sums); err != nil {
			return fmt.Errorf("upload %s: %w", a.Object, err)
		}
	}
	return nil
}

func (r *target) upload(ctx context.Context, d *release.Dir, id int64, f release.File, sums []byte) error {
	var file *os.File
	var err error
	if f.Path == release.SumsFile {
		// The assets' own SHA256SUMS, from a temporary file: the client uploads files.
		if file, err = os.CreateTemp("", "releasekit-sums-"); err != nil {
			return err
		}
		defer os.Remove(file.Name())
		if _, err := file.Write(sums); err != nil {
			file.Close()
			return err
		}
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			file.Close()
			return err
		}
	} else if file, err = d.Open(f.Path); err != nil {
		return err
	}
	defer file.Close()
	if sum, err := fileSHA256(file); err != nil || sum != f.SHA256 {
		return fmt.Errorf("%s does not match SHA256SUMS (%v)", f.Path, err)
	}
	name, err := r.assetName(d, f.Path)
	if err != nil {
		return err
	}
	_, _, err = r.client.Repositories.UploadReleaseAsset(ctx, r.owner, r.repo, id, &gh.UploadOptions{Name: name}, file)
	if isStatus(err, http.StatusUnprocessableEntity) {
		// Uploaded by an earlier attempt: right only if identical.
		have, lerr := r.listAssets(ctx, id)
		if lerr != nil {
			return lerr
		}
		if a, ok := have[name]; ok {
			if ok, detail := same(a, f); ok {
				return nil
			} else {
				return fmt.Errorf("%w: %s", publish.ErrExists, detail)
			}
		}
	}
	return err
}
