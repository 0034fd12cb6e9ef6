// Package blob adapts gocloud.dev/blob buckets (file://, mem://, gs://, s3://, azblob://) to
// publish.Bucket, for the files and chart-repository targets.
//
// It registers no cloud driver: a main blank-imports the drivers it wants
// (gocloud.dev/blob/gcsblob, …), so importing publish stays light. A store with a conditional
// write of its own registers it with Register; without one, writes to the same bucket are
// serialised within the process and checked against the generation just before writing.
//
// It may import publish and gocloud.dev.
package blob
