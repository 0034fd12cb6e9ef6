package chart

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"
	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/yamledit"
)

// Pins in a chart's values are proved by rendering: a value the detector takes for an image is
// pinned only when rendering the chart with that one edit turns exactly the images it names into
// their pinned references, and changes nothing else. A guess the templates do not bear out is
// refused with the reason, never written.

// renderedImage is one image reference in a rendered template.
type renderedImage struct {
	file, path string
	ref        digest.Reference
}

// rendered is a render of a chart: its files, and the images in them, read once.
type rendered struct {
	files  map[string]string
	images []renderedImage
	// volatile are, by file, the lines that two renders of the same values write differently
	// (a generated password, a checksum of a secret holding one): what they say is not the
	// chart's to prove, so proof passes over them. Set by settle, or inherited.
	volatile map[string]map[int]bool
	// settled is set once a second render of the same values marked them.
	settled bool
}

// settle renders values twice and marks the lines that differ between the two as volatile: a
// render to compare others with.
func settle(render renderer, values []byte) (*rendered, error) {
	a, err := render(values)
	if err != nil {
		return nil, err
	}
	return a, a.settle(render, values)
}

// settle renders values, which a was rendered from, once more, and marks as volatile the lines
// of a that this render writes differently.
func (a *rendered) settle(render renderer, values []byte) error {
	b, err := render(values)
	if err != nil {
		return err
	}
	for name, text := range a.files {
		other, found := b.files[name]
		lines, ok := differing(text, other)
		if !found || !ok || len(lines) == 0 {
			// The same twice: nothing in it varies; or lines come and go: nothing is passed
			// over, and proof refuses what differs.
			delete(a.volatile, name)
			continue
		}
		if a.volatile == nil {
			a.volatile = map[string]map[int]bool{}
		}
		a.volatile[name] = lines
	}
	a.settled = true
	return nil
}

// inherit marks as volatile in a the lines that are volatile in like, a settled render of other
// values, in the files that have as many lines in both: a component turned on rarely changes
// the files the defaults render, and never their generated passwords.
func (a *rendered) inherit(like *rendered) {
	for name, lines := range like.volatile {
		text, ok := a.files[name]
		if !ok {
			continue
		}
		// Only a file that is like's but for its volatile lines: anything else is proved.
		diff, ok := differing(text, like.files[name])
		for i := range diff {
			ok = ok && lines[i]
		}
		if !ok {
			continue
		}
		if a.volatile == nil {
			a.volatile = map[string]map[int]bool{}
		}
		a.volatile[name] = lines
	}
}

// differing returns the lines at which two texts differ, and false when they have not as many
// lines.
func differing(a, b string) (map[int]bool, bool) {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(x) != len(y) {
		return nil, false
	}
	lines := map[int]bool{}
	for i := range x {
		if x[i] != y[i] {
			lines[i] = true
		}
	}
	return lines, true
}

// renderer renders the chart with values (the whole values file being pinned, as YAML) in place
// of that file's: the chart's own values.yaml, or a subchart's.
type renderer func(values []byte) (*rendered, error)

// valuesOf renders ch with values in place of its own values.yaml, reading images through seen.
func valuesOf(ch *helmchart.Chart, seen *session) renderer {
	return func(values []byte) (*rendered, error) { return renderValues(ch, values, seen) }
}

// renderValues renders ch with values (the whole values file, as YAML) in place of its own.
func renderValues(ch *helmchart.Chart, values []byte, seen *session) (*rendered, error) {
	vals, err := chartutil.ReadValues(values)
	if err != nil {
		return nil, fmt.Errorf("values.yaml: %w", err)
	}
	c := *ch
	c.Values = vals
	return renderChart(&c, seen)
}

// subchartValues renders ch with parentValues in place of its values.yaml and values in place
// of its subchart sub's: how a subchart's own values are proved, through the parent's render
// (whose values may override them).
func subchartValues(ch *helmchart.Chart, parentValues []byte, sub *helmchart.Chart, seen *session) renderer {
	return func(values []byte) (*rendered, error) {
		pv, err := chartutil.ReadValues(parentValues)
		if err != nil {
			return nil, fmt.Errorf("values.yaml: %w", err)
		}
		sv, err := chartutil.ReadValues(values)
		if err != nil {
			return nil, fmt.Errorf("charts/%s/values.yaml: %w", sub.Name(), err)
		}
		c := *ch
		c.Values = pv
		// Copies, so that the chart loaded once is never changed by a render.
		deps := make([]*helmchart.Chart, 0, len(ch.Dependencies()))
		for _, d := range ch.Dependencies() {
			cp := *d
			if d == sub {
				cp.Values = sv
			}
			deps = append(deps, &cp)
		}
		c.SetDependencies(deps...)
		return renderChart(&c, seen)
	}
}

// session is what the renders of one pinning share: the values a user gives over the chart's
// (helm template's -f and --set), and the images of rendered files by name and text, since the
// renders that prove pins differ from each other in a few files, and reading the others again
// would cost as much as rendering. It counts the renders. Nil renders with no user values and
// reads every file.
type session struct {
	user    map[string]any
	mu      sync.Mutex // guards seen and renders: renders run at once
	seen    map[string][]renderedImage
	renders int
}

func newSession(user map[string]any) *session {
	return &session{user: user, seen: map[string][]renderedImage{}}
}

// renderChart renders c and reads the images of its output through seen.
func renderChart(c *helmchart.Chart, seen *session) (*rendered, error) {
	var user map[string]any
	if seen != nil {
		user = seen.user
		seen.mu.Lock()
		seen.renders++
		seen.mu.Unlock()
	}
	files, err := render(c, user)
	if err != nil {
		return nil, err
	}
	images, err := imagesOf(files, seen)
	if err != nil {
		return nil, err
	}
	return &rendered{files: files, images: images}, nil
}

// imagesOf lists the images of every rendered YAML file, by file and path, reading each file
// once through seen.
func imagesOf(rendered map[string]string, seen *session) ([]renderedImage, error) {
	var out []renderedImage
	for _, name := range slices.Sorted(maps.Keys(rendered)) {
		if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") || strings.TrimSpace(rendered[name]) == "" {
			continue
		}
		key := name + "\x00" + rendered[name]
		if seen != nil {
			seen.mu.Lock()
			found, ok := seen.seen[key]
			seen.mu.Unlock()
			if ok {
				out = append(out, found...)
				continue
			}
		}
		images, err := digest.Find([]byte(rendered[name]), name)
		if err != nil {
			return nil, err
		}
		var found []renderedImage
		for _, im := range images {
			if injected(im.Ref, rendered[name]) {
				continue
			}
			found = append(found, renderedImage{file: name, path: im.Path, ref: im.Ref})
		}
		found = append(found, imagesInFlags(name, rendered[name])...)
		if seen != nil {
			seen.mu.Lock()
			seen.seen[key] = found
			seen.mu.Unlock()
		}
		out = append(out, found...)
	}
	return out, nil
}

// injected reports whether ref is the placeholder Istio's sidecar injector replaces when the
// pod starts ("image: auto" in a pod asking for injection, as Istio's gateway chart writes it):
// no image to pull, so none to pin.
func injected(ref digest.Reference, text string) bool {
	return ref.Repository == "auto" && ref.Tag == "" && !ref.Pinned() &&
		(strings.Contains(text, "inject.istio.io/templates:") || strings.Contains(text, `sidecar.istio.io/inject: "true"`))
}

// proof compares a render after edits with the one before: every image that changed must have
// become its own repository pinned to the digest pins gives its key (with its tag, or none), and
// nothing else may differ.
// It returns the images pinned, or why the edits are not what they claim.
func proof(before, after *rendered, pins map[string]digest.Digest) ([]renderedImage, error) {
	was, now := before.images, after.images
	if len(was) != len(now) {
		return nil, fmt.Errorf("the chart renders %d images instead of %d", len(now), len(was))
	}
	var pinned []renderedImage
	var swaps []string // after, before: the images pinned
	restored := maps.Clone(after.files)
	for i, b := range was {
		a := now[i]
		if a.file != b.file || a.path != b.path {
			return nil, fmt.Errorf("%s: %s renders where %s: %s did", a.file, a.path, b.file, b.path)
		}
		if a.ref == b.ref {
			continue
		}
		want := b.ref
		d, ok := pins[b.ref.Key()]
		if b.ref.Pinned() || !ok {
			return nil, fmt.Errorf("%s: %s: image %q would render as %q", a.file, a.path, b.ref, a.ref)
		}
		want.Digest = d
		// The tag may stay beside the digest or go (a template that prints the digest instead).
		if a.ref.Repository != want.Repository || a.ref.Digest != d || a.ref.Tag != want.Tag && a.ref.Tag != "" {
			return nil, fmt.Errorf("%s: %s: image %q would render as %q, not %q", a.file, a.path, b.ref, a.ref, want)
		}
		pinned = append(pinned, a)
		swaps = append(swaps, a.ref.String(), b.ref.String())
	}
	// Put back every pinned image as it was where the chart prints it: the YAML files it was
	// found in, and files that are no YAML (NOTES.txt's "kubectl run --image …"). Another YAML
	// file that writes the pinned reference itself is left as it renders.
	if len(swaps) > 0 {
		put := strings.NewReplacer(swaps...)
		in := map[string]bool{}
		for _, im := range pinned {
			in[im.file] = true
		}
		for name, text := range restored {
			if in[name] || !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
				restored[name] = put.Replace(text)
			}
		}
	}
	hexes := map[string]bool{}
	for _, d := range pins {
		hexes[strings.TrimPrefix(string(d), "sha256:")] = true
	}
	for name, text := range before.files {
		if restored[name] != text && !sameLines(text, restored[name], before.volatile[name], hexes) {
			return nil, fmt.Errorf("%s: the edit changes more than image references", name)
		}
	}
	for name := range after.files {
		if _, ok := before.files[name]; !ok {
			return nil, fmt.Errorf("%s: the edit makes the chart render a file it did not", name)
		}
	}
	return pinned, nil
}

// digestLine is a line that holds one field whose value is a digest (a Prometheus-operator
// resource's sha: beside its image): "sha: <hex>", "digest: sha256:<hex>", quoted or not.
var digestLine = regexp.MustCompile(`^\s*(?:- )?[A-Za-z0-9_.-]+:\s*["']?(?:sha256:)?([0-9a-f]{64})["']?\s*$`)

// emptyField is a line with a field and no value: where a digest field may stand empty.
var emptyField = regexp.MustCompile(`^(\s*(?:- )?[A-Za-z0-9_.-]+:)\s*(?:""|''|null|~)?\s*$`)

// sameLines reports whether after, a rendered file with its pinned images put back as they
// were, says what before does but for lines of before that are volatile and lines that carry a
// pinned digest (hexes) by design: added, or filling a field before had empty.
func sameLines(before, after string, volatile map[int]bool, hexes map[string]bool) bool {
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	carries := func(line string) bool {
		m := digestLine.FindStringSubmatch(line)
		return m != nil && hexes[m[1]]
	}
	i, j := 0, 0
	for i < len(b) && j < len(a) {
		switch {
		case b[i] == a[j]:
			i, j = i+1, j+1
		case carries(a[j]):
			// A field filled (sha: "" → sha: <hex>), or one the pin adds.
			if m := emptyField.FindStringSubmatch(b[i]); m != nil && strings.HasPrefix(a[j], m[1]) {
				i++
			}
			j++
		case volatile[i]:
			i, j = i+1, j+1
		default:
			return false
		}
	}
	for ; j < len(a); j++ {
		if !carries(a[j]) {
			return false
		}
	}
	return i == len(b)
}

// refusal is a planned pin no render bears out: the value, its image, and why.
type refusal struct {
	change digest.Change
	err    error
}

// pinnedValues is what pinning one values file did: the values with the proved pins written,
// the refusals, each with its reason, the values path written for each image key pinned, and
// why each rendered image no value was found for stays unpinned, by image key.
type pinnedValues struct {
	out     []byte
	refused []refusal
	written map[string]string
	missed  map[string]string
}

// pinValues plans the pins of values, proves each by rendering ch with it alone, looks for the
// values of rendered images no detected value pins, and applies the proved pins together,
// proving them again as a whole. Up to jobs renders run at once.
func pinValues(ctx context.Context, render renderer, values []byte, file string, jobs int, r digest.Resolver, opts ...digest.Option) (*pinnedValues, error) {
	// Detection may take a value for an image the chart does not render as such: a reference
	// that does not resolve is a problem only when the chart renders its repository.
	changes, err := digest.Plan(ctx, values, file, r, append(slices.Clone(opts), digest.WithUnresolved())...)
	if err != nil {
		return nil, err
	}
	before, err := settle(render, values)
	if err != nil {
		return nil, err
	}
	toggles := toggleRenders(values, file, render, before, jobs)
	var proved []digest.Change
	var refused []refusal
	pins := map[string]digest.Digest{} // the digest each proved pin renders, by image key
	written := map[string]string{}     // the values path each pin is written at, by image key
	sets := map[string]string{}        // pins written by path, not by a planned change
	for _, c := range changes {
		// A value's pin is proved where its image renders: by default, or else with a
		// component's toggle on (a component the defaults turn off is shipped to those who
		// turn it on). No render at all (a value detection misread): not written, and the
		// images the chart renders are checked on their own.
		vals, base := values, before
		if !rendersRepository(before, c.Ref) {
			t := showing(toggles, c.Ref)
			if t == nil {
				continue
			}
			if !t.before.settled {
				if err := t.before.settle(render, t.values); err != nil {
					return nil, err
				}
			}
			vals, base = t.values, t.before
		}
		if c.Err != nil {
			refused = append(refused, refusal{c, c.Err})
			continue
		}
		p, key, dropped, err := prove(ctx, render, vals, file, base, c, r, opts)
		if err == nil && p != nil && dropped {
			shown := renderedOf(base, c.Ref)
			if len(shown) == 1 {
				if s, ok := keepTag(render, vals, file, base, shown[0], p.Digest); ok {
					sets[s.path] = s.text
					pins[key], written[key] = p.Digest, s.path
					continue
				}
			}
		}
		switch {
		case err != nil:
			refused = append(refused, refusal{c, err})
		case p == nil:
			refused = append(refused, refusal{c, fmt.Errorf("%s:%d: %s: pinning %s changes nothing the chart renders: the templates do not read this value as it is", file, c.Line, c.Path, c.Ref)})
		default:
			proved = append(proved, *p)
			pins[key] = p.Digest
			written[key] = p.Path
		}
	}
	clears, err := pinNames(render, values, file, before, changes, &proved, &refused, pins, written, opts)
	if err != nil {
		return nil, err
	}
	maps.Copy(sets, clears)
	out := values
	if len(proved) > 0 {
		if out, _, err = digest.Apply(values, file, proved, opts...); err != nil {
			return nil, err
		}
	}
	if len(sets) > 0 {
		if out, err = yamledit.Set(out, file, sets); err != nil {
			return nil, err
		}
	}
	// Images the render shows that no detected value pins: look for the values that make them.
	current, err := settle(render, out)
	if err != nil {
		return nil, err
	}
	tried := map[string]bool{}
	missed := map[string]string{}
	for _, im := range before.images {
		if im.ref.Pinned() || pins[im.ref.Key()] != "" || tried[im.ref.Key()] {
			continue
		}
		tried[im.ref.Key()] = true
		next, path, err := discover(ctx, render, out, file, current, im.ref, r)
		if err != nil {
			missed[im.ref.Key()] = err.Error() // the render check reports the image, unpinned
			continue
		}
		if current, err = settle(render, next); err != nil {
			return nil, err
		}
		out = next
		d, _ := r.Resolve(ctx, im.ref)
		pins[im.ref.Key()] = d
		written[im.ref.Key()] = path
		// Pinned another way: the detected value that could not be is left as it is.
		refused = slices.DeleteFunc(refused, func(rf refusal) bool { return sameRepository(rf.change.Ref, im.ref) })
	}
	if len(pins) == 0 {
		return &pinnedValues{out: values, refused: refused, missed: missed}, nil
	}
	after, err := render(out)
	if err != nil {
		return nil, err
	}
	if _, err := proof(before, after, pins); err != nil {
		return nil, fmt.Errorf("%s: the pins, each right alone, render wrong together: %w", file, err)
	}
	// Proved with each toggle on, up to jobs at once; the first failure in toggle order is told.
	fails := make([]error, len(toggles))
	g := errgroup.Group{}
	g.SetLimit(max(jobs, 1))
	for i := range toggles {
		t := &toggles[i]
		g.Go(func() error {
			fails[i] = proveToggled(render, out, file, t, pins)
			return nil
		})
	}
	g.Wait()
	for _, err := range fails {
		if err != nil {
			return nil, err
		}
	}
	return &pinnedValues{out: out, refused: refused, written: written, missed: missed}, nil
}

// proveToggled proves the pins in out with t's toggle on, against t's render without them.
func proveToggled(render renderer, out []byte, file string, t *toggled, pins map[string]digest.Digest) error {
	on, err := yamledit.SetLiteral(out, file, map[string]string{t.path: "true"})
	if err != nil {
		return err
	}
	after, err := render(on)
	if err != nil {
		return fmt.Errorf("%s: with %s: true: %w", file, t.path, err)
	}
	_, err = proof(t.before, after, pins)
	if err != nil && !t.before.settled {
		// What the defaults' render did not show may differ from render to render.
		if err := t.before.settle(render, t.values); err != nil {
			return err
		}
		_, err = proof(t.before, after, pins)
	}
	if err != nil {
		return fmt.Errorf("%s: with %s: true, the pins render wrong: %w", file, t.path, err)
	}
	return nil
}

// pinNames pins the images of a names map (OSM's {registry, name: {x: …}, tag, digest: {x: …}})
// whose digests the templates print only when the tag is empty, as the chart's own release
// process does: every digest set and the tag cleared, one edit of several values, proved image
// by image against before. It adds the group's changes to proved, drops their refusals, and
// returns the values to set by path (the tags to clear). A group of one image keeps its tag
// where the tag may take the digest. A group with a digest that does not resolve is left
// refused: clearing its tag would print that image with no digest at all.
func pinNames(render renderer, values []byte, file string, before *rendered, changes []digest.Change,
	proved *[]digest.Change, refused *[]refusal, pins map[string]digest.Digest, written map[string]string, opts []digest.Option) (map[string]string, error) {
	groups := map[string][]digest.Change{}
	for _, c := range changes {
		if c.Shape != digest.ShapeNames {
			continue
		}
		if i := strings.LastIndex(c.Path, ".digest."); i > 0 {
			groups[c.Path[:i]] = append(groups[c.Path[:i]], c)
		}
	}
	clears := map[string]string{}
	for _, m := range slices.Sorted(maps.Keys(groups)) {
		group := groups[m]
		waiting := false // an image of the group a render shows, not proved on its own
		for _, c := range group {
			if rendersRepository(before, c.Ref) && pins[c.Ref.Key()] == "" {
				waiting = true
			}
		}
		if !waiting || slices.ContainsFunc(group, func(c digest.Change) bool { return c.Err != nil }) {
			continue
		}
		in := func(c digest.Change) bool { return strings.HasPrefix(c.Path, m+".digest.") }
		if len(group) == 1 {
			// One image: its tag may take the digest, and the render keeps the tag.
			c := group[0]
			if shown := renderedOf(before, c.Ref); len(shown) == 1 {
				if s, ok := keepTag(render, values, file, before, shown[0], c.Digest); ok {
					*refused = slices.DeleteFunc(*refused, func(rf refusal) bool { return in(rf.change) })
					pins[c.Ref.Key()], written[c.Ref.Key()] = c.Digest, s.path
					clears[s.path] = s.text
					continue
				}
			}
		}
		one, _, err := digest.Apply(values, file, group, opts...)
		if err != nil {
			continue
		}
		tag := m + ".tag"
		if one, err = yamledit.Set(one, file, map[string]string{tag: ""}); err != nil {
			continue
		}
		want := map[string]digest.Digest{}
		for _, c := range group {
			want[c.Ref.Key()] = c.Digest
		}
		after, err := render(one)
		if err != nil {
			continue
		}
		if pinned, err := proof(before, after, want); err != nil || len(pinned) == 0 {
			for i := range *refused {
				if rf := &(*refused)[i]; strings.HasPrefix(rf.change.Path, m+".digest.") && err != nil {
					rf.err = fmt.Errorf("%w; with every digest of %s set and %s cleared: %w", rf.err, m, tag, err)
				}
			}
			continue
		}
		*proved = slices.DeleteFunc(*proved, in)
		*refused = slices.DeleteFunc(*refused, func(rf refusal) bool { return in(rf.change) })
		*proved = append(*proved, group...)
		for _, c := range group {
			pins[c.Ref.Key()], written[c.Ref.Key()] = c.Digest, c.Path+" (with "+tag+` "")`
		}
		clears[tag] = ""
	}
	return clears, nil
}

// toggled is a render of the chart with one component's toggle turned on.
type toggled struct {
	// path is the toggle's values path (extra.enabled), values the values with it true.
	path   string
	values []byte
	before *rendered
}

// maxToggles bounds the renders made for toggles.
const maxToggles = 32

// toggleRenders renders the chart with each "enabled: false" of values turned on in turn (a
// component, or a subchart's condition), skipping those the chart does not render with. Each
// render inherits the volatile lines of like (none when nil); one settles when a proof against
// it fails. Up to jobs render at once.
func toggleRenders(values []byte, file string, render renderer, like *rendered, jobs int) []toggled {
	var doc yaml.Node
	if yaml.Unmarshal(values, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	var paths []string
	var walk func(n *yaml.Node, path string, depth int)
	walk = func(n *yaml.Node, path string, depth int) {
		if n.Kind != yaml.MappingNode || depth > 16 {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			if strings.ContainsAny(k, ".[]") {
				continue
			}
			p := strings.TrimPrefix(path+"."+k, ".")
			if k == "enabled" && v.Kind == yaml.ScalarNode && v.Tag == "!!bool" && v.Value == "false" {
				paths = append(paths, p)
			}
			walk(v, p, depth+1)
		}
	}
	walk(doc.Content[0], "", 0)
	// In batches, so that toggles the chart does not render with leave their places to others.
	var out []toggled
	for len(paths) > 0 && len(out) < maxToggles {
		batch := paths[:min(len(paths), maxToggles-len(out))]
		paths = paths[len(batch):]
		renders := make([]*toggled, len(batch))
		g := errgroup.Group{}
		g.SetLimit(max(jobs, 1))
		for i, p := range batch {
			g.Go(func() error {
				on, err := yamledit.SetLiteral(values, file, map[string]string{p: "true"})
				if err != nil {
					return nil
				}
				if r, err := render(on); err == nil {
					if like != nil {
						r.inherit(like)
					}
					renders[i] = &toggled{path: p, values: on, before: r}
				}
				return nil
			})
		}
		g.Wait()
		for _, t := range renders {
			if t != nil {
				out = append(out, *t)
			}
		}
	}
	return out
}

// showing returns the first toggle whose render holds an image of ref's repository.
func showing(toggles []toggled, ref digest.Reference) *toggled {
	for i := range toggles {
		if rendersRepository(toggles[i].before, ref) {
			return &toggles[i]
		}
	}
	return nil
}

// rendersRepository reports whether the rendered chart holds an image of ref's repository.
func rendersRepository(r *rendered, ref digest.Reference) bool {
	return len(renderedOf(r, ref)) > 0
}

// renderedOf returns the distinct unpinned images of the rendered chart in ref's repository.
func renderedOf(r *rendered, ref digest.Reference) []digest.Reference {
	var out []digest.Reference
	for _, im := range r.images {
		if sameRepository(im.ref, ref) && !im.ref.Pinned() && !slices.Contains(out, im.ref) {
			out = append(out, im.ref)
		}
	}
	return out
}

// prove tries the change c alone, and, when it does not render as it claims, what the render
// shows the chart means: the image the templates print for that repository (a tag filled from
// appVersion, a tag kept in a sibling key), pinned in the slot c writes. It returns the first
// candidate a render proves, with the key of the image it pins, nil when c changes nothing, or
// the refusal of c.
func prove(ctx context.Context, render renderer, values []byte, file string, before *rendered,
	c digest.Change, r digest.Resolver, opts []digest.Option) (*digest.Change, string, bool, error) {
	try := func(c digest.Change, key string) ([]renderedImage, error) {
		one, _, err := digest.Apply(values, file, []digest.Change{c}, opts...)
		if err != nil {
			return nil, err
		}
		after, err := render(one)
		if err != nil {
			return nil, fmt.Errorf("the chart does not render with it: %w", err)
		}
		return proof(before, after, map[string]digest.Digest{key: c.Digest})
	}
	pinned, first := try(c, c.Ref.Key())
	if first == nil && len(pinned) > 0 {
		return &c, c.Ref.Key(), dropsTag(pinned), nil
	}
	// What the chart renders for this repository, if one image: pin that, in c's slot.
	if shown := renderedOf(before, c.Ref); len(shown) == 1 && shown[0].Key() != c.Ref.Key() {
		want := shown[0]
		d, err := r.Resolve(ctx, want)
		if err != nil {
			return nil, "", false, fmt.Errorf("%s:%d: %s: the chart renders %s: %w", file, c.Line, c.Path, want, err)
		}
		for _, text := range candidates(c, want, d) {
			alt := c
			alt.New, alt.Digest = text, d
			if pinned, err := try(alt, want.Key()); err == nil && len(pinned) > 0 {
				return &alt, want.Key(), dropsTag(pinned), nil
			}
		}
	}
	if first != nil {
		return nil, "", false, fmt.Errorf("%s:%d: %s: pinning %s is refused: %w", file, c.Line, c.Path, c.Ref, first)
	}
	return nil, "", false, nil
}

// dropsTag reports whether an image of pinned renders with its digest in place of its tag.
func dropsTag(pinned []renderedImage) bool {
	return slices.ContainsFunc(pinned, func(im renderedImage) bool { return im.ref.Tag == "" })
}

// keepTag looks, for a pin that renders the image with its digest in place of its tag (bitnami's
// digest key), for another place in values that renders both, tag and digest: what a reader of
// the rendered chart and a scanner matching versions expect. It returns that slot, if a render
// proves one.
func keepTag(render renderer, values []byte, file string, before *rendered, ref digest.Reference, d digest.Digest) (slot, bool) {
	s, _, kept, ok := bestSlot(render, values, file, before, ref, d)
	return s, ok && kept
}

// candidates are the texts that could pin want to d in the value c writes: by its path's last
// key, the tag with the digest, the digest alone, or the whole reference.
func candidates(c digest.Change, want digest.Reference, d digest.Digest) []string {
	last := c.Path[strings.LastIndexAny(c.Path, ".]")+1:]
	switch strings.ToLower(last) {
	case "tag":
		return []string{want.Tag + "@" + string(d)}
	case "digest":
		return []string{string(d)}
	case "sha":
		return []string{strings.TrimPrefix(string(d), "sha256:")}
	}
	return []string{want.WithDigest(d).String()}
}
