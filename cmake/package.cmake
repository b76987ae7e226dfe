# CPack: `cpack -G DEB` in the build directory makes drover_VERSION_ARCH.deb
# from the install rules, installed under /usr. Runtime Depends come from
# dpkg-shlibdeps on the binary (the libraries it really links: libssh-4,
# libuv1, libvterm0, libncursesw6, libtinfo6, libinih1, libc6, with the
# version floors the Debian symbols files give); tests/pkg/deb.sh checks
# them. What only the demo and the completions use is recommended or
# suggested, not required.
set(CPACK_PACKAGE_NAME drover)
set(CPACK_PACKAGE_VENDOR "drover developers")
set(CPACK_PACKAGE_CONTACT "drover developers <drover@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "terminal operator console for fleets of SSH hosts")
set(CPACK_PACKAGE_DESCRIPTION
  "drover runs commands, interactive shells, transfers and log tails on many\
 SSH hosts from one terminal: an ncurses console with a pane per host and a\
 headless CLI (drover exec) for scripts. One libuv event loop drives one\
 non-blocking libssh session per host.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# drover demo: sshd, ssh-keygen and ssh-agent, ps/pkill for teardown.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssh-client")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "openssh-server, procps, bash-completion")
include(CPack)
