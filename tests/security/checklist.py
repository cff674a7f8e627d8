# ruff: noqa: E501  (node ids are kept whole so they can be copied into pytest)
"""CHECKLIST.md items 1-29 -> the tests that prove them (`module::function`).

Many items are proven where the feature lives (tests mirror the packages); this map
names them in one place, `test_checklist_map.py` checks that every named test exists,
and `python -m tests.security.checklist [N ...]` prints the node ids to run:

    .venv/bin/pytest $(.venv/bin/python -m tests.security.checklist 15 20)
"""

from __future__ import annotations

import sys

CHECKLIST: dict[int, tuple[str, ...]] = {
    1: ("tests/reliability/test_c01_killed_after_the_call.py::test_c01_refund_job_killed_after_the_provider_accepted_refunds_once",
        "tests/app/flows/test_service_calls.py::test_a_refund_is_sent_once_with_the_effects_idempotency_key",
        "tests/connectors/presets/test_payment.py::test_a_hang_times_out_and_the_retry_gets_the_one_refund_already_made"),
    2: ("tests/reliability/test_c02_killed_before_the_call.py::test_c02_refund_job_lost_before_the_call_runs_again_once",),
    3: ("tests/app/jobs/test_timers.py::test_two_workers_racing_to_fire_one_timer_fire_it_once",
        "tests/app/hooks/test_receive.py::test_the_same_event_twice_is_processed_once",
        "tests/app/inbox/test_actions.py::test_simultaneous_claims_from_two_threads_leave_one_winner"),
    4: ("tests/reliability/test_c04_c06_timers_survive.py::test_c04_redis_restarted_empty_loses_no_timer",),
    5: ("tests/app/test_health.py::test_readyz_checks_redis_and_its_eviction_policy",),
    6: ("tests/reliability/test_c04_c06_timers_survive.py::test_c06_deadline_passing_while_workers_are_down_fires_once_on_restart",),
    7: ("tests/runtime/flows/test_user_task.py::test_approve_racing_the_timeout_exactly_one_wins",
        "tests/app/flows/test_flow_api.py::test_a_second_completion_gets_409_with_a_clear_message",
        "tests/app/inbox/test_actions.py::test_two_people_claim_at_once_one_wins_the_other_gets_a_clear_409"),
    8: ("tests/connectors/test_transport.py::test_5xx_is_retried_with_the_same_idempotency_key_then_succeeds",
        "tests/connectors/test_transport.py::test_other_4xx_are_not_retried",
        "tests/app/flows/test_service_incidents.py::test_exhausted_retries_open_an_incident_whose_retry_reissues_the_same_key",
        "tests/app/test_incidents.py::test_admin_sees_incidents_and_retries_with_csrf"),
    9: ("tests/reliability/test_c09_timeouts_inside_the_job.py::test_c09_the_slowest_allowed_call_ends_before_the_job_timeout_and_redelivery",
        "tests/reliability/test_c09_timeouts_inside_the_job.py::test_c09_a_hanging_server_is_a_timeout_well_inside_the_budget",
        "tests/connectors/test_transport.py::test_a_hanging_server_hits_the_read_timeout"),
    10: ("tests/app/test_incidents.py::test_queue_failures_never_reported_by_the_job_become_incidents",),
    11: ("tests/app/flows/test_flow_api.py::test_publishing_leaves_running_cases_on_their_version",),
    12: ("tests/app/portal/test_submit.py::test_replayed_post_with_the_same_client_token_is_one_case",
         "tests/app/forms/test_api.py::test_two_concurrent_submissions_with_one_token_store_one"),
    13: ("tests/connectors/presets/test_payment.py::test_a_reused_key_with_another_amount_is_refused_and_refunds_nothing",
         "tests/connectors/sandbox/test_core.py::test_concurrent_refunds_with_one_key_make_one_refund"),
    14: ("tests/security/test_c14_hostile_text_everywhere.py::test_c14_hostile_names_and_titles_render_escaped_on_every_staff_page",
         "tests/app/portal/test_escaping.py::test_designer_texts_render_escaped",
         "tests/app/forms/test_render.py::test_xss_in_every_designed_text_and_value_is_escaped",
         "tests/app/inbox/test_lists.py::test_titles_and_variables_render_escaped",
         "tests/app/inbox/test_actions.py::test_comments_notify_mentioned_colleagues_and_render_escaped",
         "tests/app/test_builder_pages.py::test_versions_page_links_versions_and_diffs_and_escapes",
         "tests/app/reports/test_boards.py::test_titles_are_escaped_and_roles_restrict",
         "tests/app/inbox/test_notifications.py::test_notice_emails_escape_what_designers_and_colleagues_typed",
         "tests/security/test_csp_pages.py::test_every_page_needs_no_inline_script_or_style"),
    15: ("tests/connectors/test_ssrf.py::test_internal_and_malformed_targets_are_refused",
         "tests/connectors/test_ssrf.py::test_a_name_resolving_to_a_private_address_is_refused",
         "tests/connectors/test_ssrf.py::test_dns_rebinding_the_guard_resolves_once_and_the_target_keeps_the_checked_answer",
         "tests/connectors/test_transport.py::test_a_redirect_to_the_metadata_address_is_refused",
         "tests/connectors/test_transport.py::test_the_connection_goes_to_the_checked_address_not_a_second_lookup"),
    16: ("tests/security/test_c16_connector_base_url.py::test_builders_and_admins_change_it_and_the_secret_is_gone",
         "tests/security/test_c16_connector_base_url.py::test_other_roles_cannot_change_it"),
    17: ("tests/app/portal/test_status.py::test_changed_link_tokens_are_404",
         "tests/app/portal/test_status.py::test_a_token_signed_for_another_purpose_is_404",
         "tests/app/portal/test_lookup.py::test_lookup_is_rate_limited_per_ip",
         "tests/app/portal/test_lookup.py::test_lookup_is_rate_limited_per_order_number"),
    18: ("tests/app/test_rbac.py::test_every_non_public_route_refuses_anonymous_callers",
         "tests/app/test_rbac.py::test_odd_suffixes_do_not_open_protected_routes",
         "tests/app/test_rbac.py::test_forged_and_revoked_tokens_are_refused",
         "tests/app/test_auth.py::test_session_cookie_signed_by_another_instance_is_rejected"),
    19: ("tests/runtime/test_rule_safety.py::test_escape_strings_are_refused_anywhere_in_a_condition",
         "tests/runtime/test_rule_safety.py::test_a_compiled_var_rechecks_its_path_when_built_and_when_read",
         "tests/runtime/test_rule_safety.py::test_huge_and_deep_documents_are_refused_without_recursion_errors",
         "tests/runtime/test_rule_safety.py::test_matching_is_linear_even_for_patterns_that_backtrack_badly"),
    20: ("tests/app/forms/test_uploads.py::test_hostile_files_are_refused_and_nothing_is_stored",
         "tests/app/forms/test_uploads.py::test_oversize_and_too_many_files_are_refused_in_the_users_locale",
         "tests/app/forms/test_uploads.py::test_exif_is_stripped_and_files_get_random_names_outside_the_web_root",
         "tests/app/forms/test_uploads.py::test_faked_file_metadata_in_text_fields_is_refused",
         "tests/app/forms/test_uploads.py::test_names_are_neutralised"),
    21: ("tests/app/test_config.py::test_production_refuses_missing_default_or_short_secret",
         "tests/app/test_auth.py::test_session_cookie_signed_by_another_instance_is_rejected"),
    22: ("tests/app/test_auth.py::test_concurrent_first_admin_creation_yields_exactly_one_admin",),
    23: ("tests/security/test_c23_password_reset_links.py::test_c23_reset_link_host_comes_from_configuration_not_the_request",
         "tests/app/portal/test_submit.py::test_status_mail_links_to_the_configured_host_not_the_request_host"),
    24: ("tests/app/test_definitions_api.py::test_extra_request_fields_are_refused_with_the_other_errors",
         "tests/app/test_definitions_api.py::test_only_builders_write",
         "tests/app/flows/test_flow_api.py::test_unknown_fields_and_bad_types_are_refused",
         "tests/builder/test_definitions.py::test_envelope_refuses_unknown_fields_and_needs_schema_version",
         "tests/fuzz/test_form_submissions.py::test_accepted_submissions_satisfy_the_schema_and_are_stored_as_accepted",
         "tests/app/test_builder_bundle_zip.py::test_staff_and_missing_csrf_are_refused"),
    25: ("tests/security/test_c25_dashboards_read_only.py::test_c25_opening_every_widget_with_hostile_filters_only_reads",
         "tests/security/test_c25_dashboards_read_only.py::test_c25_widgets_naming_sql_instead_of_a_field_are_refused_on_save",
         "tests/security/test_c25_dashboards_read_only.py::test_c25_a_widget_naming_another_tables_column_reads_nothing_from_it",
         "tests/app/reports/test_boards.py::test_sql_in_a_filter_is_just_a_value",
         "tests/runtime/reports/test_compiler.py::test_a_filter_value_with_sql_in_it_is_just_a_value"),
    26: ("tests/app/reports/test_boards.py::test_exports_neutralise_formulas",
         "tests/runtime/reports/test_figures_export.py::test_neutralise_each_dangerous_prefix"),
    27: ("tests/app/test_csrf.py::test_admin_form_without_csrf_token_is_refused_and_changes_nothing",
         "tests/app/test_csrf.py::test_bearer_token_calls_skip_csrf_but_not_auth",
         "tests/app/test_builder_pages.py::test_buttons_publish_archive_restore_with_csrf",
         "tests/app/test_incidents.py::test_admin_sees_incidents_and_retries_with_csrf",
         "tests/app/inbox/test_actions.py::test_posts_without_a_csrf_token_are_refused"),
    28: ("tests/security/test_c28_refund_amount_tampered.py::test_c28_amounts_posted_with_the_request_and_the_inspection_are_ignored",
         "tests/security/test_c28_refund_amount_tampered.py::test_c28_an_amount_posted_with_finance_s_retry_is_ignored",
         "tests/security/test_c28_refund_amount_tampered.py::test_c28_more_units_than_were_bought_are_never_paid_for",
         "tests/app/forms/test_api.py::test_valid_submission_is_typed_and_total_recomputed"),
    29: ("tests/security/test_c29_connector_secrets.py::test_secrets_never_reach_the_logs",
         "tests/security/test_c29_connector_secrets.py::test_secrets_never_reach_job_arguments",
         "tests/security/test_c29_connector_secrets.py::test_the_database_holds_only_ciphertext",
         "tests/security/test_c29_connector_secrets.py::test_pages_and_api_answers_show_only_redacted_values"),
}


def node_ids(items: list[int] | None = None) -> list[str]:
    chosen = items or sorted(CHECKLIST)
    return [node for n in chosen for node in CHECKLIST[n]]


if __name__ == "__main__":
    print("\n".join(node_ids([int(a) for a in sys.argv[1:]])))
