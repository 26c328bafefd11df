// The message of a boost::program_options error, safe for any input.
//
// program_options fills placeholders such as %value% and %canonical_option%
// into its message templates in a loop that searches the whole message again
// after every replacement (boost 1.74, error_with_option_name::replace_token),
// so a value or option name that contains its own placeholder never ends:
// `hbacli --timeout %value%` spun forever, and so did hbamgrd on a
// configuration line reading "%invalid_line%".  Call this instead of what().
#ifndef HBAMGR_COMMON_PROGRAM_OPTIONS_ERROR_H_
#define HBAMGR_COMMON_PROGRAM_OPTIONS_ERROR_H_

#include <string>

#include "boost/program_options/errors.hpp"

namespace hbamgr {

// The same text what() gives, with the placeholders filled in one pass, so
// the user's text is copied into the message and never searched again.
std::string ProgramOptionsMessage(const boost::program_options::error& e);

}  // namespace hbamgr

#endif  // HBAMGR_COMMON_PROGRAM_OPTIONS_ERROR_H_
