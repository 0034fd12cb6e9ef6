package chart

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/digest"
)

// flagValue is a command-line flag with a value: "--prometheus-config-reloader=quay.io/…:v0.93.1".
var flagValue = regexp.MustCompile(`^--?[A-Za-z0-9][A-Za-z0-9._-]*=(.+)$`)

// imagesInFlags lists the images a rendered file passes to containers in args and command, as
// operators take the images they start ("--prometheus-config-reloader=quay.io/…:v0.93.1"), and
// in environment variables named for an image (RELATED_IMAGE_RELOADER). Only a value that is
// surely an image counts (see surelyImage): flags that name files, URLs or durations do not.
func imagesInFlags(file, text string) []renderedImage {
	var out []renderedImage
	dec := yaml.NewDecoder(strings.NewReader(text))
	for doc := 0; ; doc++ {
		var n yaml.Node
		if dec.Decode(&n) != nil {
			return out
		}
		var walk func(n *yaml.Node, path string)
		walk = func(n *yaml.Node, path string) {
			switch n.Kind {
			case yaml.DocumentNode:
				for _, c := range n.Content {
					walk(c, path)
				}
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					k, v := n.Content[i].Value, n.Content[i+1]
					p := strings.TrimPrefix(path+"."+k, ".")
					if k == "env" && v.Kind == yaml.SequenceNode {
						for j, e := range v.Content {
							if ref, ok := envImage(e); ok {
								out = append(out, renderedImage{file: file, path: fmt.Sprintf("%s[%d].value", p, j), ref: ref})
							}
						}
						continue
					}
					if (k == "args" || k == "command") && v.Kind == yaml.SequenceNode {
						for j, a := range v.Content {
							if ref, ok := flagImage(a); ok {
								out = append(out, renderedImage{file: file, path: fmt.Sprintf("%s[%d]", p, j), ref: ref})
							}
						}
						continue
					}
					walk(v, p)
				}
			case yaml.SequenceNode:
				for j, c := range n.Content {
					walk(c, fmt.Sprintf("%s[%d]", path, j))
				}
			}
		}
		walk(&n, fmt.Sprintf("[%d]", doc))
	}
}

// envImage reads the image of an environment variable named for one (RELATED_IMAGE_RELOADER,
// as operators are given the images they start), when its value is surely one.
func envImage(n *yaml.Node) (digest.Reference, bool) {
	if n.Kind != yaml.MappingNode {
		return digest.Reference{}, false
	}
	var name, value string
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "name":
			name = n.Content[i+1].Value
		case "value":
			value = n.Content[i+1].Value
		}
	}
	if !strings.Contains(strings.ToUpper(name), "IMAGE") {
		return digest.Reference{}, false
	}
	// Named for an image, a value with a path and a tag or digest is one, with or without a host
	// (OSM's OSM_DEFAULT_INIT_CONTAINER_IMAGE: openservicemesh/init:latest-main); a pull policy
	// (IfNotPresent) has neither.
	return taggedImage(value)
}

// flagImage reads the image of a flag, when its value is surely one.
func flagImage(n *yaml.Node) (digest.Reference, bool) {
	if n.Kind != yaml.ScalarNode {
		return digest.Reference{}, false
	}
	m := flagValue.FindStringSubmatch(n.Value)
	if m == nil {
		return digest.Reference{}, false
	}
	return surelyImage(m[1])
}

// surelyImage parses s as an image only when it surely is one: a registry host first (a dot, a
// port or localhost), a repository path, and a tag or digest.
func surelyImage(s string) (digest.Reference, bool) {
	host, rest, ok := strings.Cut(s, "/")
	if !ok || rest == "" || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		return digest.Reference{}, false
	}
	return taggedImage(s)
}

// taggedImage parses s as an image when it has a path and a tag or digest: localhost:5000 (an
// IMAGE_REGISTRY) parses as repository localhost, tag 5000, and is none.
func taggedImage(s string) (digest.Reference, bool) {
	ref, err := digest.Parse(s)
	if err != nil || ref.Tag == "" && !ref.Pinned() || !strings.Contains(ref.Repository, "/") {
		return digest.Reference{}, false
	}
	return ref, true
}
