module istio.io/istio

go 1.22

require (
	istio.io/api v1.22.0-alpha.0.0.20240501120000-0123456789ab
	istio.io/client-go v1.22.0
	istio.io/pkg v0.0.0-20200102030405-abcdefabcdef
	k8s.io/api v0.30.0 // indirect
	github.com/old/lib v2.0.0+incompatible
)

replace istio.io/pkg => istio.io/pkg v0.0.0-20210102030405-fedcbafedcba

replace istio.io/client-go v1.22.0 => ../client-go
