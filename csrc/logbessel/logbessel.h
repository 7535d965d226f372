// Umbrella header: log I_v(x), log K_v(x) and their scaled forms, I_v(x)/I_{v-1}(x) ...,
// and the list of the public functions (registry.h). No code here.
#pragma once
#include "config.h"
#include "derivatives.h"
#include "iv_ratio.h"
#include "log_iv.h"
#include "log_kv.h"
#include "log_ive.h"
#include "registry.h"
#include "vmf.h"
