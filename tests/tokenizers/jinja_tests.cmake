# The chat-template interpreter (src/tokenizers/jinja): unit tests, and byte-for-byte agreement
# with Jinja2 (python3-jinja2) on real chat templates and on language snippets.
set(OMNI_CHAT_TEMPLATES ${CMAKE_CURRENT_SOURCE_DIR}/data/chat_templates)

omni_test(jinja_tests tokenizers/jinja_test.cpp)
target_link_libraries(jinja_tests PRIVATE omni_jinja)
target_compile_definitions(jinja_tests PRIVATE OMNI_CHAT_TEMPLATES="${OMNI_CHAT_TEMPLATES}")
# The same unit tests as one ctest entry, so that `ctest -R jinja` selects them.
add_test(NAME jinja.unit COMMAND jinja_tests)

# Renders templates for the reference comparison (see its header for the formats).
add_executable(jinja_render tokenizers/jinja_render.cpp)
target_link_libraries(jinja_render PRIVATE omni_jinja)

# One test per template: every conversation in conversations.json, rendered by Jinja2 and by
# jinja_render, must give identical bytes (or fail in both).
file(GLOB OMNI_JINJA_TEMPLATE_FILES CONFIGURE_DEPENDS ${OMNI_CHAT_TEMPLATES}/*.jinja)
foreach(template_file ${OMNI_JINJA_TEMPLATE_FILES})
  get_filename_component(template_name ${template_file} NAME_WLE)
  add_test(NAME jinja.reference.${template_name}
           COMMAND ${OMNI_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/reference/render_chat_templates.py
                   --templates ${OMNI_CHAT_TEMPLATES}
                   --conversations ${OMNI_CHAT_TEMPLATES}/conversations.json
                   --template ${template_name}
                   --render $<TARGET_FILE:jinja_render>
                   --workdir ${CMAKE_BINARY_DIR}/test-tmp/jinja)
endforeach()
add_test(NAME jinja.reference.snippets
         COMMAND ${OMNI_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/reference/render_chat_templates.py
                 --templates ${OMNI_CHAT_TEMPLATES}
                 --conversations ${OMNI_CHAT_TEMPLATES}/conversations.json
                 --no-templates --snippets ${OMNI_CHAT_TEMPLATES}/snippets.json
                 --render $<TARGET_FILE:jinja_render>
                 --workdir ${CMAKE_BINARY_DIR}/test-tmp/jinja)
