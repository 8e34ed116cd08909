/* SPDX-License-Identifier: MIT */
#pragma once

/* The server builds against libmicrohttpd 0.9.33 (CentOS 7 EPEL) and current releases (Debian 12 has
 * 0.9.75). Later releases renamed some flags and deprecate the old names with a compile-time warning,
 * and 0.9.71 changed the handler's return type; this header picks what the installed version knows.
 * Everything else the server calls exists unchanged since 0.9.33. */

#include <microhttpd.h>

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

#if MHD_VERSION >= 0x00095300
#define FB_MHD_USE_EPOLL MHD_USE_EPOLL
#define FB_MHD_SUSPEND_RESUME MHD_ALLOW_SUSPEND_RESUME
#define FB_MHD_ERROR_LOG MHD_USE_ERROR_LOG
#else
#define FB_MHD_USE_EPOLL MHD_USE_EPOLL_LINUX_ONLY
#define FB_MHD_SUSPEND_RESUME MHD_USE_SUSPEND_RESUME
#define FB_MHD_ERROR_LOG MHD_USE_DEBUG
#endif

/* 0.9.33 returns the epoll descriptor through the only int member its union has. */
#if MHD_VERSION >= 0x00095300
#define FB_MHD_EPOLL_FD(info) ((info)->epoll_fd)
#else
#define FB_MHD_EPOLL_FD(info) ((info)->listen_fd)
#endif
