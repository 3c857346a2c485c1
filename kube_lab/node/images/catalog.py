"""The images the course uses, as the registries publish them.

Image configuration (entrypoint, command, environment, stop signal) follows the published
images.  Sizes are the compressed sizes containerd reports, rounded from the published images;
digests are derived deterministically from the name (they are not the registries' real digests).
Tags that do not exist (``kubernetes-bootcamp:v10``, ``nginx:1.99``) fail to pull.
"""
from __future__ import annotations

from functools import partial

from . import Image
from .apps import (Agnhost, BootcampServer, CoreDNS, CurlEntrypoint, Etcd, GoProxy, HelloApp, MySQLClient,
                   MySQLEntrypoint, Pause, Perl, Redis, RedisCLI, Stress, VishStress, WordPress)
from .nginx import DEFAULT_CONF, WELCOME, WELCOME_OLD, DockerEntrypoint, Nginx
from .phpapache import INDEX_PHP, PhpApache
from .shell import ShellProgram

MB = 1_000_000


def _nginx(tag: str, version: str, size: int) -> Image:
    modern = tuple(int(x) for x in version.split(".")[:2]) >= (1, 19)
    stop = "SIGQUIT" if tuple(int(x) for x in version.split(".")[:2]) >= (1, 21) else "SIGTERM"
    env = {
        "1.7.9": ["NGINX_VERSION=1.7.9-1~wheezy"],
        "1.9.1": ["NGINX_VERSION=1.9.1-1~jessie"],
        "1.14.2": ["NGINX_VERSION=1.14.2-1~stretch", "NJS_VERSION=1.14.2.0.2.6-1~stretch"],
        "1.16.1": ["NGINX_VERSION=1.16.1", "NJS_VERSION=0.3.8", "PKG_RELEASE=1~buster"],
        "1.25.5": ["NGINX_VERSION=1.25.5", "NJS_VERSION=0.8.4", "PKG_RELEASE=1~bookworm"],
        "1.26.2": ["NGINX_VERSION=1.26.2", "NJS_VERSION=0.8.5", "NJS_RELEASE=1~bookworm", "PKG_RELEASE=1~bookworm"],
        "1.27.3": ["NGINX_VERSION=1.27.3", "NJS_VERSION=0.8.7", "NJS_RELEASE=1~bookworm", "PKG_RELEASE=1~bookworm",
                   "DYNPKG_RELEASE=1~bookworm"],
    }[version]
    return Image(
        "docker.io/library/nginx", tag, size,
        entrypoint=["/docker-entrypoint.sh"] if modern else [],
        cmd=["nginx", "-g", "daemon off;"], env=env, stop_signal=stop, toolset="debian",
        executables={"nginx": Nginx, "docker-entrypoint.sh": DockerEntrypoint},
        executables_paths={"nginx": "/usr/sbin/nginx", "docker-entrypoint.sh": "/docker-entrypoint.sh"},
        extra_tools=("curl",) if modern else (),
        files={"usr/share/nginx/html/index.html": WELCOME if modern else WELCOME_OLD,
               "usr/share/nginx/html/50x.html": "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n"
                                                "<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n",
               "etc/nginx/conf.d/default.conf": DEFAULT_CONF,
               "etc/nginx/nginx.conf": "user  nginx;\nworker_processes  auto;\n"},
        version=version, exposed_ports=[80])


def _busybox(name: str, tag: str, version: str, size: int, toolset: str = "busybox") -> Image:
    return Image(name, tag, size, cmd=["sh"], toolset=toolset,
                 executables={"sh": partial(ShellProgram, flavour="busybox")},
                 executables_paths={"sh": "/bin/sh"}, version=version)


def _debian(name: str, tag: str, size: int, version: str, cmd: list[str]) -> Image:
    return Image(name, tag, size, cmd=cmd, toolset="debian", version=version)


def _bootcamp(name: str, tag: str, version: str, size: int) -> Image:
    return Image(name, tag, size, cmd=["/bin/sh", "-c", "node server.js"],
                 env=["NPM_CONFIG_LOGLEVEL=info", "NODE_VERSION=6.3.1"], toolset="debian",
                 extra_tools=("curl",),      # node:6 is built on buildpack-deps: curl is there
                 executables={"node": BootcampServer}, executables_paths={"node": "/usr/local/bin/node"},
                 files={"server.js": _SERVER_JS.replace("v=1", f"v={version}")}, version=version,
                 exposed_ports=[8080], shell_execs_single_command=False)


_SERVER_JS = """var http = require('http');
var requests=0;
var podname= process.env.HOSTNAME;
var startTime;
var host;
var handleRequest = function(request, response) {
  response.setHeader('Content-Type', 'text/plain');
  response.writeHead(200);
  response.write("Hello Kubernetes bootcamp! | Running on: ");
  response.write(host);
  response.end(" | v=1\\n");
  console.log("Running On:" ,host, "| Total Requests:", ++requests,"| App Uptime:", (new Date() - startTime)/1000 , "seconds", "| Log Time:",new Date());
}
var www = http.createServer(handleRequest);
www.listen(8080,function () {
    startTime = new Date();;
    host = process.env.HOSTNAME;
    console.log ("Kubernetes Bootcamp App Started At:",startTime, "| Running On: " ,host, "\\n" );
});
"""


def _generic(name: str, tag: str, size: int, program=Pause) -> Image:
    exe = name.rsplit("/", 1)[-1]
    return Image(name, tag, size, entrypoint=[f"/usr/local/bin/{exe}"], executables={exe: program},
                 executables_paths={exe: f"/usr/local/bin/{exe}"})


def default_images() -> list[Image]:
    imgs: list[Image] = []
    # nginx
    for tag, version, size in (("1.7.9", "1.7.9", 39_947_165), ("1.9.1", "1.9.1", 42_701_437),
                               ("1.14.2", "1.14.2", 44_710_204), ("1.16.1", "1.16.1", 51_030_575),
                               ("1.25", "1.25.5", 70_546_910), ("1.25.5", "1.25.5", 70_546_910),
                               ("1.26", "1.26.2", 71_021_460), ("1.26.2", "1.26.2", 71_021_460),
                               ("1.27", "1.27.3", 72_953_142), ("1.27.3", "1.27.3", 72_953_142),
                               ("stable", "1.26.2", 71_021_460), ("latest", "1.27.3", 72_953_142)):
        imgs.append(_nginx(tag, version, size))
    # busybox (docker.io and registry.k8s.io)
    for tag, version, size in (("1.27.2", "1.27.2", 720_148), ("1.28", "1.28.4", 727_869),
                               ("1.35", "1.35.0", 2_216_020), ("1.36", "1.36.1", 2_231_050),
                               ("1.36.1", "1.36.1", 2_231_050), ("1.37", "1.37.0", 2_166_797),
                               ("latest", "1.37.0", 2_166_797)):
        imgs.append(_busybox("docker.io/library/busybox", tag, version, size))
    imgs.append(_busybox("registry.k8s.io/busybox", "1.27.2", "1.27.2", 676_463))
    imgs.append(_busybox("registry.k8s.io/busybox", "latest", "1.24.0", 675_912))
    imgs.append(_busybox("registry.k8s.io/e2e-test-images/busybox", "1.29-4", "1.29.3", 742_126))
    for tag, size in (("3.20", 3_625_867), ("3.21", 3_642_181), ("latest", 3_642_181)):
        img = _busybox("docker.io/library/alpine", tag, "1.36.1", size, toolset="alpine")
        img.cmd = ["/bin/sh"]
        imgs.append(img)
    # debian and ubuntu
    for tag, size in (("12", 48_494_272), ("bookworm", 48_494_272), ("bookworm-slim", 28_231_467),
                      ("latest", 48_494_272)):
        imgs.append(_debian("docker.io/library/debian", tag, size, "12", ["bash"]))
    for tag, size in (("22.04", 29_534_055), ("24.04", 29_754_290), ("latest", 29_754_290)):
        imgs.append(_debian("docker.io/library/ubuntu", tag, size, tag, ["/bin/bash"]))
    # the Kubernetes Basics tutorial app
    imgs.append(_bootcamp("gcr.io/google-samples/kubernetes-bootcamp", "v1", "1", 83_498_123))
    imgs.append(_bootcamp("docker.io/jocatalin/kubernetes-bootcamp", "v1", "1", 83_498_123))
    imgs.append(_bootcamp("docker.io/jocatalin/kubernetes-bootcamp", "v2", "2", 83_520_416))
    # MySQL and WordPress
    mysql_env = ["GOSU_VERSION=1.12", "MYSQL_MAJOR=5.6", "MYSQL_VERSION=5.6.51-1debian9"]
    for tag in ("5.6", "5.6.51"):
        imgs.append(Image("docker.io/library/mysql", tag, 103_067_712, entrypoint=["docker-entrypoint.sh"],
                          cmd=["mysqld"], env=mysql_env, toolset="debian",
                          executables={"docker-entrypoint.sh": MySQLEntrypoint, "mysqld": MySQLEntrypoint,
                                       "mysqladmin": MySQLClient, "mysql": MySQLClient},
                          executables_paths={"docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh",
                                             "mysqld": "/usr/sbin/mysqld", "mysqladmin": "/usr/bin/mysqladmin",
                                             "mysql": "/usr/bin/mysql"},
                          version="5.6.51", exposed_ports=[3306]))
    for tag, size in (("latest", 255_341_080), ("6.2.1-apache", 228_193_517), ("4.8-apache", 152_042_887)):
        imgs.append(Image("docker.io/library/wordpress", tag, size, entrypoint=["docker-entrypoint.sh"],
                          cmd=["apache2-foreground"], env=["PHP_VERSION=8.2.26", "APACHE_CONFDIR=/etc/apache2"],
                          stop_signal="SIGWINCH", toolset="debian", extra_tools=("curl",),
                          executables={"docker-entrypoint.sh": _exec_next, "apache2-foreground": WordPress},
                          executables_paths={"docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh",
                                             "apache2-foreground": "/usr/local/bin/apache2-foreground"},
                          workdir="/var/www/html", exposed_ports=[80]))
    # Redis
    for tag, version, size in (("latest", "7.4.1", 45_022_613), ("7.4", "7.4.1", 45_022_613),
                               ("6.2", "6.2.16", 40_188_012), ("5.0.4", "5.0.4", 34_922_407)):
        imgs.append(Image("docker.io/library/redis", tag, size, entrypoint=["docker-entrypoint.sh"],
                          cmd=["redis-server"], env=[f"REDIS_VERSION={version}"], toolset="debian",
                          executables={"docker-entrypoint.sh": _exec_next, "redis-server": Redis,
                                       "redis-cli": RedisCLI},
                          executables_paths={"docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh",
                                             "redis-server": "/usr/local/bin/redis-server",
                                             "redis-cli": "/usr/local/bin/redis-cli"},
                          workdir="/data", files={"data/.keep": ""}, version=version, exposed_ports=[6379]))
    # Perl (the pi Job)
    for tag, size in (("latest", 338_211_049), ("5.40", 338_211_049), ("5.34.0", 330_156_229), ("5.34", 330_156_229)):
        imgs.append(Image("docker.io/library/perl", tag, size, cmd=["perl", "-de0"], toolset="debian",
                          executables={"perl": Perl}, executables_paths={"perl": "/usr/local/bin/perl"},
                          workdir="/"))
    # stress tools of the resource tasks
    imgs.append(Image("docker.io/polinux/stress", "latest", 4_021_335, cmd=["stress", "--help"], toolset="alpine",
                      executables={"stress": Stress}, executables_paths={"stress": "/usr/local/bin/stress"}))
    imgs.append(Image("docker.io/vish/stress", "latest", 1_386_271, entrypoint=["/stress", "-logtostderr"],
                      executables={"stress": VishStress}, executables_paths={"stress": "/stress"}))
    # the HorizontalPodAutoscaler walkthrough's php-apache server (FROM php:5-apache + index.php)
    for repo in ("registry.k8s.io/hpa-example", "k8s.gcr.io/hpa-example"):
        imgs.append(Image(repo, "latest", 138_435_872, cmd=["apache2-foreground"],
                          env=["PHP_INI_DIR=/usr/local/etc/php"], toolset="debian", workdir="/var/www/html",
                          executables={"apache2-foreground": PhpApache},
                          executables_paths={"apache2-foreground": "/usr/local/bin/apache2-foreground"},
                          files={"var/www/html/index.php": INDEX_PHP}, exposed_ports=[80]))
    # agnhost, goproxy, etcd, hello-app
    for tag in ("2.39", "2.40", "2.43", "2.53"):
        imgs.append(Image("registry.k8s.io/e2e-test-images/agnhost", tag, 52_361_283 + int(tag[2:]) * 1000,
                          entrypoint=["/agnhost"], toolset="alpine",
                          executables={"agnhost": Agnhost}, executables_paths={"agnhost": "/agnhost"}))
    imgs.append(Image("registry.k8s.io/goproxy", "0.1", 2_954_186, entrypoint=["/goproxy"],
                      executables={"goproxy": GoProxy}, executables_paths={"goproxy": "/goproxy"}))
    for tag, size in (("3.5.1-0", 98_887_621), ("3.5.16-0", 57_680_541)):
        imgs.append(Image("registry.k8s.io/etcd", tag, size, cmd=["/usr/local/bin/etcd"],
                          executables={"etcd": Etcd}, executables_paths={"etcd": "/usr/local/bin/etcd"}))
    for tag, version in (("1.0", "1.0.0"), ("2.0", "2.0.0")):
        imgs.append(Image("gcr.io/google-samples/hello-app", tag, 11_235_602, entrypoint=["/hello-app"],
                          env=["PORT=8080"], executables={"hello-app": HelloApp},
                          executables_paths={"hello-app": "/hello-app"}, version=version, exposed_ports=[8080]))
    # curl
    imgs.append(Image("docker.io/curlimages/curl", "latest", 10_239_101, entrypoint=["/entrypoint.sh"],
                      cmd=["curl"], toolset="alpine", extra_tools=("curl",),
                      executables={"entrypoint.sh": CurlEntrypoint}, executables_paths={"entrypoint.sh": "/entrypoint.sh"}))
    # what a kind node image (kindest/node:v1.32.0) comes with
    imgs.extend(preloaded_images())
    return imgs


def _exec_next(argv, image):
    """A ``docker-entrypoint.sh`` that just execs its arguments."""
    from .program import Program

    class Entrypoint(Program):
        def run(self, proc):
            args = argv[1:]
            program = proc.runtime.program_for(proc.image, args)
            if program is None:
                proc.stderr(f"/usr/local/bin/docker-entrypoint.sh: line 11: exec: {args[0] if args else ''}: not found\n")
                return 127
            proc.argv = list(args)
            proc.program = program
            code = yield from program.run(proc)
            return code

    return Entrypoint(argv, image)


KIND_NODE_IMAGES = (
    ("registry.k8s.io/pause", "3.10", 320_368),
    ("docker.io/kindest/kindnetd", "v20241108-5c6d2daf", 38_601_118),
    ("docker.io/kindest/local-path-helper", "v20241108-5c6d2daf", 3_084_671),
    ("docker.io/kindest/local-path-provisioner", "v20241108-5c6d2daf", 22_541_737),
    ("registry.k8s.io/coredns/coredns", "v1.11.3", 18_562_039),
    ("registry.k8s.io/etcd", "3.5.16-0", 57_680_541),
    ("registry.k8s.io/kube-apiserver", "v1.32.0", 98_051_552),
    ("registry.k8s.io/kube-controller-manager", "v1.32.0", 90_793_286),
    ("registry.k8s.io/kube-proxy", "v1.32.0", 95_271_321),
    ("registry.k8s.io/kube-scheduler", "v1.32.0", 70_649_156),
)


def preloaded_images() -> list[Image]:
    out = []
    for name, tag, size in KIND_NODE_IMAGES:
        if name == "registry.k8s.io/etcd":
            continue   # defined above with its program
        if name == "registry.k8s.io/coredns/coredns":
            out.append(_generic(name, tag, size, program=CoreDNS))
            continue
        if name == "docker.io/kindest/local-path-helper":
            # a busybox image: the local-path provisioner's helper pods run its setup/teardown
            # scripts with /bin/sh (mkdir, rm)
            out.append(_busybox(name, tag, tag, size))
            continue
        out.append(_generic(name, tag, size))
    return out


def preload_references() -> list[str]:
    return [f"{name}:{tag}" for name, tag, _ in KIND_NODE_IMAGES]
